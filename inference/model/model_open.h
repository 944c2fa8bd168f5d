// Opening a model from what a person points at: a hub-format folder (config.json + safetensors) or
// a lone .gguf file. Either way the result is validated completely before it is returned.
#pragma once

#include "inference/model/model_config.h"
#include "inference/model/weight_store.h"

#include <string>

namespace fathom::inference {

struct OpenedModel {
    ModelConfig config;
    WeightStore weights;
    bool gguf = false;  // weights (and tokenizer, chat template) come from one .gguf file
};

// Throws fathom::Error naming the file and problem.
OpenedModel openModel(const std::string& folderOrGguf);

}  // namespace fathom::inference
