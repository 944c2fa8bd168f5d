// The bridge's loader here is what the app's default loader does for completion.
#include "tests/ui/editor_test_fixture.h"

#include "app/services/completion_prompter.h"

#include <QSignalSpy>

namespace fathom::test {

QString tinyCoderDir()
{
    return QStringLiteral(FATHOM_SOURCE_DIR "/resources/models/fathom-tiny-coder");
}

std::unique_ptr<app::EngineBridge> loadedBridge(const QString& modelDir, QString* error)
{
    auto loader = [](const QString& folder, const inference::EngineOptions& options, const inference::LoadProgress& progress) {
        app::LoadedModel model;
        model.engine = inference::Engine::load(folder.toStdString(), options, progress);
        model.completer = app::CompletionPrompter::load(folder.toStdString());
        return model;
    };
    auto bridge = std::make_unique<app::EngineBridge>(loader);
    QSignalSpy loaded(bridge.get(), &app::EngineBridge::modelLoaded);
    QSignalSpy failed(bridge.get(), &app::EngineBridge::modelLoadFailed);
    inference::EngineOptions options;
    options.backend = inference::Backend::Cpu;
    options.threads = 2;
    bridge->loadModel(modelDir, options);
    for (int i = 0; i < 600 && loaded.isEmpty() && failed.isEmpty(); ++i) loaded.wait(100);
    if (loaded.isEmpty()) {
        if (error) *error = failed.isEmpty() ? QStringLiteral("load timed out") : failed.first().first().toString();
        return nullptr;
    }
    return bridge;
}

}  // namespace fathom::test
