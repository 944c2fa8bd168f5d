// Fusion everywhere, so light and dark look the same on every desktop; "system" follows the palette
// the platform gave at start-up.
#include "ui/main/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace fathom::ui {

ColorScheme Theme::s_current = ColorScheme::Light;

ThemeMode Theme::parse(const QString& name)
{
    if (name.compare(QLatin1String("light"), Qt::CaseInsensitive) == 0) return ThemeMode::Light;
    if (name.compare(QLatin1String("dark"), Qt::CaseInsensitive) == 0) return ThemeMode::Dark;
    return ThemeMode::System;
}

QString Theme::name(ThemeMode mode)
{
    switch (mode) {
    case ThemeMode::Light: return QStringLiteral("light");
    case ThemeMode::Dark: return QStringLiteral("dark");
    case ThemeMode::System: break;
    }
    return QStringLiteral("system");
}

namespace {

QPalette lightPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xf7, 0xf7, 0xf8));
    p.setColor(QPalette::WindowText, QColor(0x1f, 0x23, 0x28));
    p.setColor(QPalette::Base, QColor(0xff, 0xff, 0xff));
    p.setColor(QPalette::AlternateBase, QColor(0xf0, 0xf2, 0xf5));
    p.setColor(QPalette::Text, QColor(0x1f, 0x23, 0x28));
    p.setColor(QPalette::Button, QColor(0xf0, 0xf1, 0xf3));
    p.setColor(QPalette::ButtonText, QColor(0x1f, 0x23, 0x28));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xeb));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x1a, 0x5f, 0xc8));
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8f, 0x98));
    p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xf0));
    p.setColor(QPalette::ToolTipText, QColor(0x1f, 0x23, 0x28));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0xa0, 0xa4, 0xab));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0xa0, 0xa4, 0xab));
    return p;
}

QPalette darkPalette()
{
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x1b, 0x1d, 0x22));
    p.setColor(QPalette::WindowText, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Base, QColor(0x23, 0x26, 0x2c));
    p.setColor(QPalette::AlternateBase, QColor(0x2a, 0x2d, 0x34));
    p.setColor(QPalette::Text, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Button, QColor(0x2c, 0x30, 0x37));
    p.setColor(QPalette::ButtonText, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7b, 0xf0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb6, 0xff));
    p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x86, 0x90));
    p.setColor(QPalette::ToolTipBase, QColor(0x2c, 0x30, 0x37));
    p.setColor(QPalette::ToolTipText, QColor(0xe3, 0xe5, 0xe8));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6b, 0x70, 0x78));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6b, 0x70, 0x78));
    return p;
}

}  // namespace

ColorScheme Theme::apply(ThemeMode mode)
{
    static const QPalette platform = QApplication::palette();
    ColorScheme scheme = ColorScheme::Light;
    if (mode == ThemeMode::Dark) scheme = ColorScheme::Dark;
    if (mode == ThemeMode::System && platform.color(QPalette::Window).lightness() < 128) scheme = ColorScheme::Dark;
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(scheme == ColorScheme::Dark ? darkPalette() : lightPalette());
    qApp->setStyleSheet(styleSheet(scheme));
    s_current = scheme;
    return scheme;
}

QString Theme::styleSheet(ColorScheme scheme)
{
    const bool dark = scheme == ColorScheme::Dark;
    const QString sidebar = dark ? QStringLiteral("#15171b") : QStringLiteral("#eef0f3");
    const QString chat = dark ? QStringLiteral("#1b1d22") : QStringLiteral("#ffffff");
    const QString bubble = dark ? QStringLiteral("#2a2f3a") : QStringLiteral("#eef3fd");
    const QString muted = dark ? QStringLiteral("#8b919b") : QStringLiteral("#6b717b");
    const QString border = dark ? QStringLiteral("#30343c") : QStringLiteral("#dde1e6");
    const QString accent = dark ? QStringLiteral("#3d7bf0") : QStringLiteral("#2f6feb");
    const QString selected = dark ? QStringLiteral("#2b3445") : QStringLiteral("#dbe4f5");
    const QString hover = dark ? QStringLiteral("#22262e") : QStringLiteral("#e5e8ed");
    return QStringLiteral(
               "#sidebar { background: %1; }"
               "#sidebar QListWidget { background: %1; }"
               "#sidebar QListWidget::item { padding: 6px 4px; border-radius: 6px; }"
               "#sidebar QListWidget::item:selected { background: %7; color: palette(text); }"
               "#sidebar QListWidget::item:hover:!selected { background: %8; }"
               "#brand { font-size: 17px; font-weight: 600; padding: 2px 2px 6px 2px; }"
               "#chatView, #chatContent, #chatPage { background: %2; }"
               "#userMessage { background: %3; border-radius: 10px; }"
               "#assistantMessage { background: transparent; }"
               "#messageStats, #siblingLabel, #thinkingToggle, #chatPlaceholder { color: %4; }"
               "#thinkingText { color: %4; }"
               "#composerFrame { background: %2; border-top: 1px solid %5; }"
               "#composer { border: 1px solid %5; border-radius: 8px; padding: 4px; background: %2; }"
               "#chatHeader { background: %2; border-bottom: 1px solid %5; }"
               "#sendButton { background: %6; color: white; border-radius: 6px; padding: 6px 16px; }"
               "#sendButton:disabled { background: %5; }"
               "#newChat { text-align: left; padding: 6px 10px; }"
               "QStatusBar { border-top: 1px solid %5; }"
               "QStatusBar QLabel { color: %4; padding: 0 6px; }")
        .arg(sidebar, chat, bubble, muted, border, accent, selected, hover);
}

}  // namespace fathom::ui
