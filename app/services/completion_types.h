// What the code editor asks the engine for: the text around the cursor of one document at one
// revision. The editor keeps the revision and position of each request it sends and drops answers
// that arrive for a document that has changed since (CONTRIBUTING.md, 'Style' 9).
#pragma once

#include <QMetaType>
#include <QString>

namespace fathom::app {

struct CompletionRequest {
    QString prefix;             // document text before the cursor (far lines may be left out)
    QString suffix;             // document text after the cursor (far lines may be left out)
    int prefixFirstLine = 0;    // document line number of prefix's first line (keeps the prompt's start stable)
    QString language;           // "Python", "C++": named in the chat-style fallback prompt
    quint64 revision = 0;       // the document revision the text was taken at
    int position = 0;           // cursor position in the document at that revision
    int maxTokens = 64;         // longest suggestion
    int promptBudget = 1536;    // prompt tokens at most, control tokens included
    int suffixBudget = 256;     // of which the suffix at most: it is recomputed on every request
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::CompletionRequest)
