// EngineBridge's real loader: inference::Engine::load plus the model's tokenizer and chat template.
// Which of them this build has is decided in app/CMakeLists.txt (they land from other branches);
// a missing part is a clear error at load time, never a crash.
#include "app/services/engine_bridge.h"

#include "inference/util/error.h"

namespace fathom::app {

ModelLoader EngineBridge::defaultLoader()
{
    return [](const QString& folder, const inference::EngineOptions& options,
              const inference::LoadProgress& progress) -> LoadedModel {
#if defined(FATHOM_HAVE_ENGINE) && defined(FATHOM_HAVE_PROMPT_ENCODER)
        LoadedModel model;
        model.encoder = makeTokenizerPromptEncoder(folder);
        model.engine = inference::Engine::load(folder.toStdString(), options, progress);
        model.completer = CompletionPrompter::load(folder.toStdString());
        return model;
#else
        (void)options;
        (void)progress;
        throw Error(ErrorKind::Internal,
                    folder.toStdString() + ": this build of Fathom has no inference engine or tokenizer yet "
                    "(they are built from the engine branches); chat needs both.");
#endif
    };
}

}  // namespace fathom::app
