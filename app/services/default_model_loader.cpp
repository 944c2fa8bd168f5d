// EngineBridge's real loader: inference::Engine::load plus the model's tokenizer and chat template.
#include "app/services/engine_bridge.h"

#include "app/services/tokenizer_prompt_encoder.h"

namespace fathom::app {

ModelLoader EngineBridge::defaultLoader()
{
    return [](const QString& folder, const inference::EngineOptions& options,
              const inference::LoadProgress& progress) -> LoadedModel {
        LoadedModel model;
        // The tokenizer first: it is quick, and a model without one cannot chat, so fail before the
        // weights are read.
        model.encoder = std::make_unique<TokenizerPromptEncoder>(folder);
        model.engine = inference::Engine::load(folder.toStdString(), options, progress);
        return model;
    };
}

}  // namespace fathom::app
