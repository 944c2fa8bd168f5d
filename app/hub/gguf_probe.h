// Reads what the model manager shows of a GGUF file (architecture, name, quantization) through the
// engine's own GgufFile, so "listed as runnable" and "the engine accepts it" use one parser.
#pragma once

#include "app/hub/local_gguf.h"

#include <QString>
#include <QStringList>

namespace fathom::app {

class GgufProbe final {
public:
    // Fills architecture, modelName, quant and bytes of `into` from the header of into.path.
    // Throws fathom::Error "PATH: problem" for a file that is not valid GGUF.
    static void read(LocalGguf& into);
    // read() for the finders: false (reason logged and appended to *skipped) instead of throwing.
    static bool tryRead(LocalGguf& into, QStringList* skipped);
    // Logs (category fathom.hub.gguf) why a file or manifest was skipped and appends it to *skipped.
    static void skipReason(QStringList* skipped, const QString& reason);
    // True when the file starts with the GGUF magic: a cheap check before mapping a blob.
    static bool hasMagic(const QString& path);
    // llama.cpp's general.file_type (llama_ftype) as the usual name, e.g. 15 -> "Q4_K_M"; empty if unknown.
    static QString quantName(qint64 fileType);
    // The quantization in a file name ("…-Q5_K_M.gguf", "….Q8_0.gguf"), or empty.
    static QString quantFromFileName(const QString& fileName);
};

}  // namespace fathom::app
