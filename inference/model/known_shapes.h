// Published model shapes for benches and tests that need a real architecture without its weights
// (paired with WeightStore::synthetic): the hub's config.json values, parsed and validated.
#pragma once

#include "inference/model/model_config.h"

namespace fathom::inference {

// DeepSeek-V2-Lite / Coder-V2-Lite (docs/ARCHITECTURE.md, 'Model shapes': 27 layers, 64 routed experts
// of 1408, q_lora null).
ModelConfig deepseekV2LiteConfig();

}  // namespace fathom::inference
