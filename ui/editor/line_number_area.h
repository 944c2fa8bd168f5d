// The code editor's gutter: a child widget left of the text that the editor paints line numbers
// into (QPlainTextEdit reserves the space with its viewport margins).
#pragma once

#include <QWidget>

namespace fathom::ui {

class CodeEditor;

class LineNumberArea final : public QWidget {
    Q_OBJECT
public:
    explicit LineNumberArea(CodeEditor* editor);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    CodeEditor* m_editor;
};

}  // namespace fathom::ui
