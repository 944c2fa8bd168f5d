// Find and replace for the code editor: a bar under the editor (Ctrl+F, Ctrl+H), wrapping search,
// case sensitivity, replace one / replace all (one undo step).
#pragma once

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace fathom::ui {

class CodeEditor;

class FindBar final : public QWidget {
    Q_OBJECT
public:
    explicit FindBar(QWidget* parent = nullptr);

    void setEditor(CodeEditor* editor);
    // Shows the bar with the editor's selection as the search text; `replace` shows the replace row too.
    void open(bool replace);
    bool findNext(bool backwards = false);
    bool replaceCurrent();
    int replaceAll();

    QLineEdit* findField() const { return m_find; }
    QLineEdit* replaceField() const { return m_replace; }
    QCheckBox* caseSensitive() const { return m_case; }

signals:
    void closed();

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    QPointer<CodeEditor> m_editor;
    QLineEdit* m_find;
    QLineEdit* m_replace;
    QCheckBox* m_case;
    QLabel* m_result;
    QWidget* m_replaceRow;
};

}  // namespace fathom::ui
