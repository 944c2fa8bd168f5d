// GgufProbe: the header only; tensor data stays unread (the mapping is dropped when read() returns).
#include "app/hub/gguf_probe.h"

#include "inference/model/gguf_file.h"
#include "inference/model/gguf_metadata.h"

#include <QFile>
#include <QLoggingCategory>
#include <QFileInfo>
#include <QRegularExpression>

namespace fathom::app {

Q_LOGGING_CATEGORY(lcGgufDiscovery, "fathom.hub.gguf")

QString GgufProbe::quantName(qint64 fileType)
{
    // llama.cpp include/llama.h, enum llama_ftype; bit 1024 marks a type llama.cpp guessed.
    static const char* const names[] = {
        "F32", "F16", "Q4_0", "Q4_1", nullptr, nullptr, nullptr, "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S",
        "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS", "IQ2_XS", "Q2_K_S",
        "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M", "IQ4_XS", "IQ1_M", "BF16"};
    const qint64 t = fileType & ~qint64(1024);
    if (t < 0 || t >= qint64(std::size(names)) || !names[t])
        return {};
    return QString::fromLatin1(names[t]);
}

QString GgufProbe::quantFromFileName(const QString& fileName)
{
    static const QRegularExpression re(QStringLiteral("[-._](I?Q[1-8]_(?:K_[SML]|K|[01]|XXS|XS|S|M|NL)|BF16|F16|F32)(?:[-._]|$)"),
                                       QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = re.match(QFileInfo(fileName).completeBaseName());
    return m.hasMatch() ? m.captured(1).toUpper() : QString();
}

bool GgufProbe::hasMagic(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) && f.read(4) == QByteArrayLiteral("GGUF");
}

void GgufProbe::read(LocalGguf& into)
{
    const inference::GgufFile file(into.path.toStdString());
    const inference::GgufMetadata meta(file.layout(), file.path());
    into.bytes = qint64(file.fileSize());
    into.architecture = QString::fromStdString(meta.string("general.architecture").value_or(std::string()));
    into.modelName = QString::fromStdString(meta.string("general.name").value_or(std::string()));
    const std::optional<std::int64_t> type = meta.integer("general.file_type");
    into.quant = type ? quantName(*type) : QString();
    if (into.quant.isEmpty())
        into.quant = quantFromFileName(into.label.section(u'/', -1));
    if (into.quant.isEmpty())
        into.quant = QStringLiteral("unknown");
}

bool GgufProbe::tryRead(LocalGguf& into, QStringList* skipped)
{
    try {
        read(into);
        return true;
    } catch (const std::exception& e) {
        // The engine's message already names the file and the problem.
        skipReason(skipped, QString::fromUtf8(e.what()));
        return false;
    }
}

void GgufProbe::skipReason(QStringList* skipped, const QString& reason)
{
    qCWarning(lcGgufDiscovery).noquote() << "skipped:" << reason;
    if (skipped)
        skipped->append(reason);
}

}  // namespace fathom::app
