// LineNumberArea: only forwards; the editor knows the block geometry.
#include "ui/editor/line_number_area.h"

#include "ui/editor/code_editor.h"

namespace fathom::ui {

LineNumberArea::LineNumberArea(CodeEditor* editor) : QWidget(editor), m_editor(editor)
{
    setObjectName(QStringLiteral("lineNumberArea"));
}

QSize LineNumberArea::sizeHint() const
{
    return {m_editor->lineNumberAreaWidth(), 0};
}

void LineNumberArea::paintEvent(QPaintEvent* event)
{
    m_editor->paintLineNumbers(event);
}

}  // namespace fathom::ui
