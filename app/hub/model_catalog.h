// The models Fathom offers to download (resources/models/catalog.json, built in as
// :/models/catalog.json), and what a user typed instead: any ORG/NAME repo or a local model folder.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace fathom::app {

// One GGUF file of a catalog model in a community repo (one quantization of the same weights).
struct CatalogGguf {
    QString repo;          // hub repo hosting the GGUFs, e.g. "bartowski/DeepSeek-Coder-V2-Lite-Instruct-GGUF"
    QString file;          // path in that repo, ends in .gguf
    QString quant;         // "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0"
    qint64 downloadBytes;  // approximate, from bits per weight; the hub's size is authoritative
    double vramGB8k;       // GB (1e9 bytes): weights + MLA cache for 8192 tokens + ~1 GB work buffers
};

struct CatalogModel {
    QString repo;          // "deepseek-ai/DeepSeek-V2-Lite-Chat"
    QString name;          // shown in the model manager
    QString revision;      // branch or commit to download, "main" by default
    QStringList uses;      // "chat" and/or "completion" (FIM in the editor)
    QString parameters;    // human text, e.g. "15.7B total, 2.4B active"
    qint64 downloadBytes;  // approximate; the hub's sizes are authoritative
    double vramGB;         // GPU memory for weights + a 32k-token cache, bf16
    qint64 contextTokens;
    QString promptFormat;  // "deepseek-v2", "deepseek-v3", "fim"
    QString license;
    QString licenseUrl;
    QString description;   // what it is good for
    QList<CatalogGguf> gguf;  // smallest first; may be empty
};

class ModelCatalog final {
public:
    // Parses and validates; throws fathom::Error(UserInput) "SOURCE: models[1].uses: ..." on the
    // first problem (wrong type, missing field, bad repo id, unknown use, duplicate repo,
    // a gguf entry whose file is not *.gguf or whose quant is listed twice).
    static ModelCatalog fromJson(const QByteArray& json, const QString& source);
    static ModelCatalog load(const QString& path);  // a file or a Qt resource path
    static ModelCatalog builtin();                  // :/models/catalog.json

    const QList<CatalogModel>& models() const { return m_models; }
    const CatalogModel* find(const QString& repo) const;

private:
    QList<CatalogModel> m_models;
};

// What the user entered in "add a model": a hub repo to download, or a folder already on disk.
struct ModelSource {
    enum class Kind { HubRepo, LocalFolder };
    Kind kind;
    QString repo;    // Kind::HubRepo
    QString folder;  // Kind::LocalFolder, absolute
    // "org/name" (also "https://huggingface.co/org/name") or an existing folder holding config.json.
    // Throws fathom::Error(UserInput) saying which of the two it is not.
    static ModelSource parse(const QString& text);
};

}  // namespace fathom::app
