// DownloadRow: one job's widgets; the page routes DownloadService's signals for this job id here.
#include "ui/models/download_row.h"

#include "ui/models/byte_format.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace fathom::ui {

namespace {
// QProgressBar holds an int: show per-mille of the bytes so 30 GB models fit.
constexpr int kBarSteps = 1000;

QPushButton* makeButton(const QString& text, const char* name, QWidget* parent)
{
    auto* b = new QPushButton(text, parent);
    b->setObjectName(QLatin1String(name));
    return b;
}
}  // namespace

DownloadRow::DownloadRow(const QString& jobId, QWidget* parent)
    : QFrame(parent), m_jobId(jobId), m_status(new QLabel(this)), m_error(new QLabel(this)), m_note(new QLabel(this)), m_bar(new QProgressBar(this)),
      m_pause(makeButton(tr("Pause"), "pauseDownload", this)), m_resume(makeButton(tr("Resume"), "resumeDownload", this)),
      m_retry(makeButton(tr("Try again"), "retryDownload", this)), m_cancel(makeButton(tr("Cancel"), "cancelDownload", this)),
      m_dismiss(makeButton(tr("Remove from list"), "dismissDownload", this))
{
    setObjectName(QStringLiteral("downloadRow"));
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QGridLayout(this);
    auto* title = new QLabel(jobId.section(u'@', 0, 0), this);
    QFont f = title->font();
    f.setBold(true);
    title->setFont(f);
    layout->addWidget(title, 0, 0);
    layout->addWidget(m_status, 0, 1, Qt::AlignRight);
    m_bar->setRange(0, kBarSteps);
    m_bar->setValue(0);
    m_bar->setTextVisible(true);
    m_bar->setFormat(QStringLiteral("%p%"));
    layout->addWidget(m_bar, 1, 0, 1, 2);
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {m_pause, m_resume, m_retry, m_cancel, m_dismiss}) buttons->addWidget(b);
    layout->addLayout(buttons, 1, 2);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setObjectName(QStringLiteral("downloadError"));
    m_error->setStyleSheet(QStringLiteral("color: #e53935;"));
    m_error->hide();
    layout->addWidget(m_error, 2, 0, 1, 3);
    m_note->setObjectName(QStringLiteral("downloadNote"));
    m_note->setWordWrap(true);
    m_note->setEnabled(false);  // drawn dimmed: information, not an error
    m_note->hide();
    layout->addWidget(m_note, 3, 0, 1, 3);
    layout->setColumnStretch(0, 1);

    connect(m_pause, &QPushButton::clicked, this, [this] { emit pauseRequested(m_jobId); });
    connect(m_resume, &QPushButton::clicked, this, [this] { emit resumeRequested(m_jobId); });
    connect(m_retry, &QPushButton::clicked, this, [this] { emit retryRequested(m_jobId); });
    connect(m_cancel, &QPushButton::clicked, this, [this] { emit cancelRequested(m_jobId); });
    connect(m_dismiss, &QPushButton::clicked, this, [this] { emit dismissRequested(m_jobId); });
    setState(JobState::Resolving, {});
}

void DownloadRow::setState(JobState state, const QString& message)
{
    m_state = state;
    switch (state) {
    case JobState::Resolving: m_status->setText(tr("Asking the hub for the file list…")); break;
    case JobState::Checking: m_status->setText(tr("Checking files and free disk space…")); break;
    case JobState::Downloading: m_status->setText(tr("Downloading · %1").arg(bytesText())); break;
    case JobState::Paused: m_status->setText(tr("Paused · %1").arg(bytesText())); break;
    case JobState::Done: m_status->setText(tr("Installed · %1").arg(formatBytes(m_total))); break;
    case JobState::Failed: m_status->setText(tr("Failed")); break;
    case JobState::Cancelled: m_status->setText(tr("Cancelled; its partial files were deleted")); break;
    }
    if (state == JobState::Done || state == JobState::Failed || state == JobState::Cancelled) m_note->hide();
    if (state == JobState::Failed && !message.isEmpty()) {
        m_error->setText(tr("Download failed: %1").arg(message));
        m_error->show();
    } else if (state != JobState::Failed) {
        m_error->hide();
    }
    updateButtons();
}

void DownloadRow::setProgress(qint64 bytesDone, qint64 bytesTotal, double bytesPerSecond, qint64 etaSeconds)
{
    m_done = bytesDone;
    m_total = bytesTotal;
    m_bar->setValue(bytesTotal > 0 ? static_cast<int>(bytesDone * kBarSteps / bytesTotal) : 0);
    if (m_state != JobState::Downloading) return;
    QString text = tr("Downloading · %1").arg(bytesText());
    if (bytesPerSecond > 0) {
        text += tr(" · %1/s").arg(formatBytes(static_cast<qint64>(bytesPerSecond)));
        if (etaSeconds >= 0) text += tr(" · %1 left").arg(formatDuration(etaSeconds));
    }
    m_status->setText(text);
}

void DownloadRow::setFailed(const QString& message) { setState(JobState::Failed, message); }

void DownloadRow::setFinished()
{
    if (m_total > 0) m_done = m_total;
    m_bar->setValue(kBarSteps);
    setState(JobState::Done, {});
}

void DownloadRow::setFileState(const QString& path, app::DownloadManager::FileState state, const QString& message)
{
    using FileState = app::DownloadManager::FileState;
    if (state == FileState::Retrying) {
        m_note->setText(tr("Retrying %1: %2").arg(path, message));
        m_note->show();
    } else if (state == FileState::Done && m_note->text().startsWith(tr("Retrying %1:").arg(path))) {
        m_note->hide();
    }
}

void DownloadRow::updateButtons()
{
    const bool active = m_state == JobState::Resolving || m_state == JobState::Checking || m_state == JobState::Downloading;
    const bool ended = m_state == JobState::Done || m_state == JobState::Failed || m_state == JobState::Cancelled;
    m_pause->setVisible(active);
    m_resume->setVisible(m_state == JobState::Paused);
    m_retry->setVisible(m_state == JobState::Failed);
    m_cancel->setVisible(!ended);
    m_dismiss->setVisible(ended);
}

QString DownloadRow::bytesText() const
{
    return m_total > 0 ? tr("%1 of %2").arg(formatBytes(m_done), formatBytes(m_total)) : formatBytes(m_done);
}

}  // namespace fathom::ui
