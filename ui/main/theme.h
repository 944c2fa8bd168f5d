// Light, dark or the system's colours: the application palette, Fathom's style sheet, and the
// colour scheme code highlighting follows.
#pragma once

#include "ui/highlight/code_highlighter.h"

#include <QString>

namespace fathom::ui {

enum class ThemeMode { System, Light, Dark };

class Theme final {
public:
    static ThemeMode parse(const QString& name);    // "light", "dark", anything else = system
    static QString name(ThemeMode mode);
    // Applies the palette and style sheet to the running QApplication; returns the scheme in effect.
    static ColorScheme apply(ThemeMode mode);
    static ColorScheme current() { return s_current; }

private:
    static QString styleSheet(ColorScheme scheme);
    static ColorScheme s_current;
};

}  // namespace fathom::ui
