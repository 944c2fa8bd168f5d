// InstalledModelsView: merges the bridge's loadable models with the cache scan into one list; all the
// disk work happened on worker threads, this only draws and asks.
#include "ui/models/installed_models_view.h"

#include "ui/models/byte_format.h"

#include <QDesktopServices>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {
constexpr int kFolderRole = Qt::UserRole + 1;       // snapshot folder to load; empty = not loadable
constexpr int kRepoRole = Qt::UserRole + 2;         // "org/name" for cache models; empty = embedded
constexpr int kOnDiskRole = Qt::UserRole + 3;       // folder to open in the file manager
constexpr int kDiskBytesRole = Qt::UserRole + 4;

// The folder the engine loads: a snapshot with config.json and no dangling link that a ref points to
// (Fathom writes refs/<revision> only once every file is in place; main preferred), or that the
// engine bridge's scan found weights in (a download by commit hash has no ref). A snapshot holding
// only the files that finished before a failure is neither.
QString loadableSnapshot(const app::CachedModel& m, const QStringList& bridgeFolders)
{
    auto usable = [](const app::CachedSnapshot& s) { return s.hasConfig && s.missingFiles == 0; };
    const QString mainCommit = m.refs.value(QStringLiteral("main"));
    for (const app::CachedSnapshot& s : m.snapshots)
        if (usable(s) && !mainCommit.isEmpty() && s.commit == mainCommit) return s.folder;
    for (const app::CachedSnapshot& s : m.snapshots)
        if (usable(s) && (m.refs.values().contains(s.commit) || bridgeFolders.contains(s.folder))) return s.folder;
    return {};
}
}  // namespace

InstalledModelsView::InstalledModelsView(QWidget* parent)
    : QWidget(parent), m_list(new QListWidget(this)), m_open(new QPushButton(tr("Open folder"), this)),
      m_delete(new QPushButton(tr("Delete…"), this)), m_use(new QPushButton(tr("Use this model"), this))
{
    m_list->setObjectName(QStringLiteral("installedModels"));
    // Long cache paths are shortened in the middle rather than scrolled sideways.
    m_list->setTextElideMode(Qt::ElideMiddle);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setSpacing(3);
    m_open->setObjectName(QStringLiteral("openModelFolder"));
    m_delete->setObjectName(QStringLiteral("deleteModel"));
    m_use->setObjectName(QStringLiteral("loadModel"));
    m_use->setDefault(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_list, 1);
    auto* row = new QHBoxLayout;
    row->addWidget(m_open);
    row->addWidget(m_delete);
    row->addStretch(1);
    row->addWidget(m_use);
    layout->addLayout(row);

    auto use = [this] {
        QListWidgetItem* item = m_list->currentItem();
        if (item && !item->data(kFolderRole).toString().isEmpty()) emit useRequested(item->data(kFolderRole).toString());
    };
    connect(m_use, &QPushButton::clicked, this, use);
    connect(m_list, &QListWidget::itemActivated, this, use);
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (QListWidgetItem* item = m_list->currentItem())
            QDesktopServices::openUrl(QUrl::fromLocalFile(item->data(kOnDiskRole).toString()));
    });
    connect(m_delete, &QPushButton::clicked, this, [this] { confirmDelete(m_list->currentItem()); });
    connect(m_list, &QListWidget::currentItemChanged, this, &InstalledModelsView::updateButtons);
    rebuild();
}

void InstalledModelsView::setLocalModels(const QList<app::LocalModel>& models, const QString& loadedFolder)
{
    m_local = models;
    m_loadedFolder = loadedFolder;
    rebuild();
}

void InstalledModelsView::setCachedModels(const QList<app::CachedModel>& models)
{
    m_cached = models;
    rebuild();
}

void InstalledModelsView::setGgufFiles(const QList<app::LocalGguf>& files)
{
    m_gguf = files;
    rebuild();
}

void InstalledModelsView::rebuild()
{
    const QString selected = m_list->currentItem() ? m_list->currentItem()->data(kOnDiskRole).toString() : QString();
    m_list->clear();
    auto add = [&](const QString& title, const QString& detail, const QString& folder, const QString& repo, const QString& onDisk,
                   qint64 diskBytes) {
        QString text = title;
        if (!folder.isEmpty() && folder == m_loadedFolder) text += tr("  — in use");
        auto* item = new QListWidgetItem(text + u'\n' + detail, m_list);
        item->setData(kFolderRole, folder);
        item->setData(kRepoRole, repo);
        item->setData(kOnDiskRole, onDisk);
        item->setData(kDiskBytesRole, diskBytes);
        if (onDisk == selected) m_list->setCurrentItem(item);
    };
    QStringList shown;
    for (const app::LocalModel& m : m_local) {
        if (!m.embedded) continue;
        // Named as the chat's model picker names it.
        add(tr("Fathom Tiny Coder  (built into Fathom)"), displayPath(m.folder), m.folder, {}, m.folder, 0);
        shown << m.folder;
    }
    QStringList bridgeFolders;
    for (const app::LocalModel& m : m_local) bridgeFolders << m.folder;
    auto hasGguf = [this](const QString& repo) {
        for (const app::LocalGguf& g : m_gguf)
            if (g.source == app::LocalGguf::Source::HubCache && g.label.startsWith(repo + u'/')) return true;
        return false;
    };
    for (const app::CachedModel& m : m_cached) {
        const QString folder = loadableSnapshot(m, bridgeFolders);
        // A GGUF repo has no config.json by design: its files are listed one by one below.
        if (folder.isEmpty() && hasGguf(m.repo) && m.partialBytes == 0) continue;
        QString detail = tr("%1 on disk").arg(formatBytes(m.diskBytes));
        if (m.partialBytes > 0)
            detail += tr(", %1 of it an unfinished download").arg(formatBytes(m.partialBytes));
        if (folder.isEmpty()) detail += tr(" · not usable yet: no snapshot with config.json and all its files");
        add(m.repo, detail + u'\n' + displayPath(m.folder), folder, m.repo, m.folder, m.diskBytes);
        shown << folder;
    }
    for (const app::LocalGguf& g : m_gguf) {
        const QString name = g.modelName.isEmpty() ? g.label.section(u'/', -1) : g.modelName;
        QString detail = tr("GGUF · %1 · %2: %3").arg(formatBytes(g.bytes), app::LocalGguf::sourceName(g.source), g.label);
        if (!g.runnable())
            detail += tr(" · not supported by Fathom (architecture %1; Fathom runs DeepSeek-V2 models)")
                          .arg(g.architecture.isEmpty() ? tr("unknown") : g.architecture);
        // Delete acts on the whole HF repo (every quant of it in the cache), so it asks with the repo's disk use.
        const QString repo = g.source == app::LocalGguf::Source::HubCache ? g.label.section(u'/', 0, 1) : QString();
        qint64 repoBytes = g.bytes;
        for (const app::CachedModel& m : std::as_const(m_cached))
            if (m.repo == repo) repoBytes = m.diskBytes;
        add(name + QStringLiteral(" · ") + g.quant, detail + u'\n' + displayPath(g.path), g.runnable() ? g.path : QString(), repo,
            QFileInfo(g.path).absolutePath(), repoBytes);
        if (!g.runnable()) m_list->item(m_list->count() - 1)->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
        shown << g.path;
    }
    // Without a cache scan (no download service), the bridge's list still shows what can be loaded.
    for (const app::LocalModel& m : m_local)
        if (!m.embedded && !shown.contains(m.folder)) add(m.name, displayPath(m.folder), m.folder, {}, m.folder, 0);
    if (m_list->count() == 0) {
        auto* item = new QListWidgetItem(tr("No model on this computer yet: download one above."), m_list);
        item->setFlags(Qt::NoItemFlags);
    }
    if (!m_list->currentItem() && m_list->count() > 0 && (m_list->item(0)->flags() & Qt::ItemIsSelectable))
        m_list->setCurrentRow(0);
    updateButtons();
}

void InstalledModelsView::updateButtons()
{
    QListWidgetItem* item = m_list->currentItem();
    m_use->setEnabled(item && !item->data(kFolderRole).toString().isEmpty());
    m_open->setEnabled(item && !item->data(kOnDiskRole).toString().isEmpty());
    m_delete->setEnabled(item && !item->data(kRepoRole).toString().isEmpty());  // the embedded model stays
}

void InstalledModelsView::confirmDelete(QListWidgetItem* item)
{
    if (!item || item->data(kRepoRole).toString().isEmpty()) return;
    const QString repo = item->data(kRepoRole).toString();
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete model"),
                                tr("Delete %1 from this computer? This frees %2 in %3. Other tools that use the "
                                   "Hugging Face cache lose it too.")
                                    .arg(repo, formatBytes(item->data(kDiskBytesRole).toLongLong()),
                                         item->data(kOnDiskRole).toString()),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmDeleteModel"));
    box->button(QMessageBox::Yes)->setText(tr("Delete"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    // open(), not exec(): no nested event loop while downloads report progress.
    connect(box, &QMessageBox::finished, this, [this, repo](int result) {
        if (result == QMessageBox::Yes) emit deleteRequested(repo);
    });
    box->open();
}

}  // namespace fathom::ui
