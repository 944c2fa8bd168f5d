// Children are ordered by creation (ids grow with time in storage); without an explicit choice the
// newest child is shown, so reopening a conversation lands on its latest branch.
#include "app/services/conversation_tree.h"

#include <algorithm>

namespace fathom::app {

void ConversationTree::clear()
{
    m_messages.clear();
    m_children.clear();
    m_selected.clear();
}

void ConversationTree::setMessages(const QList<ChatMessage>& messages)
{
    clear();
    QList<ChatMessage> sorted = messages;
    std::sort(sorted.begin(), sorted.end(), [](const ChatMessage& a, const ChatMessage& b) { return a.id < b.id; });
    for (const ChatMessage& m : sorted) {
        m_messages.insert(m.id, m);
        m_children[m.parentId].append(m.id);
    }
}

void ConversationTree::upsert(const ChatMessage& message)
{
    if (!m_messages.contains(message.id)) m_children[message.parentId].append(message.id);
    m_messages.insert(message.id, message);
    // Select it and every ancestor, so the path shows it.
    for (qint64 id = message.id; id != 0;) {
        const qint64 parent = m_messages.value(id).parentId;
        m_selected.insert(parent, id);
        id = parent;
    }
}

const ChatMessage* ConversationTree::find(qint64 id) const
{
    const auto it = m_messages.constFind(id);
    return it == m_messages.constEnd() ? nullptr : &*it;
}

const QList<qint64>& ConversationTree::children(qint64 parentId) const
{
    static const QList<qint64> none;
    const auto it = m_children.constFind(parentId);
    return it == m_children.constEnd() ? none : *it;
}

qint64 ConversationTree::selectedChild(qint64 parentId) const
{
    const QList<qint64>& kids = children(parentId);
    if (kids.isEmpty()) return 0;
    const qint64 chosen = m_selected.value(parentId, 0);
    return kids.contains(chosen) ? chosen : kids.last();
}

QList<ChatMessage> ConversationTree::path() const
{
    QList<ChatMessage> out;
    for (qint64 parent = 0;;) {
        const qint64 id = selectedChild(parent);
        if (id == 0) break;
        ChatMessage m = m_messages.value(id);
        const QList<qint64>& kids = children(parent);
        m.siblingIndex = int(kids.indexOf(id));
        m.siblingCount = int(kids.size());
        out.append(m);
        parent = id;
    }
    return out;
}

bool ConversationTree::stepSibling(qint64 id, int delta)
{
    const ChatMessage* m = find(id);
    if (!m) return false;
    const QList<qint64>& kids = children(m->parentId);
    const qsizetype next = kids.indexOf(id) + delta;
    if (next < 0 || next >= kids.size()) return false;
    m_selected.insert(m->parentId, kids[next]);
    return true;
}

QList<ChatMessage> ConversationTree::pathBefore(qint64 id) const
{
    QList<ChatMessage> out;
    const ChatMessage* m = find(id);
    for (qint64 p = m ? m->parentId : 0; p != 0;) {
        const ChatMessage* parent = find(p);
        if (!parent) break;
        out.prepend(*parent);
        p = parent->parentId;
    }
    return out;
}

}  // namespace fathom::app
