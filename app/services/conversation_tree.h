// The messages of one open conversation as a tree (edits and regenerations make siblings) and which
// branch is shown: the path from the first message down through the selected child at each level.
#pragma once

#include "app/services/chat_types.h"

#include <QHash>
#include <QList>

namespace fathom::app {

class ConversationTree final {
public:
    void clear();
    void setMessages(const QList<ChatMessage>& messages);  // any order; shows the newest branch
    // Adds or replaces a message (by id) and selects it, so the path runs through it.
    void upsert(const ChatMessage& message);
    bool contains(qint64 id) const { return m_messages.contains(id); }
    const ChatMessage* find(qint64 id) const;

    // The shown branch, first message first, with siblingIndex / siblingCount filled in.
    QList<ChatMessage> path() const;
    // Shows sibling `delta` steps from `id` (and the newest branch below it). False at the ends.
    bool stepSibling(qint64 id, int delta);
    // The messages before `id` on the shown path (what a regenerate of `id` is conditioned on).
    QList<ChatMessage> pathBefore(qint64 id) const;

private:
    const QList<qint64>& children(qint64 parentId) const;
    qint64 selectedChild(qint64 parentId) const;

    QHash<qint64, ChatMessage> m_messages;
    QHash<qint64, QList<qint64>> m_children;  // parent -> children, oldest first (0 = roots)
    QHash<qint64, qint64> m_selected;         // parent -> shown child
};

}  // namespace fathom::app
