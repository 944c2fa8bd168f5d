// openModel: the one place that decides between a model folder and a .gguf file.
#include "inference/model/model_open.h"

#include "inference/model/gguf_file.h"
#include "inference/model/gguf_model.h"

namespace fathom::inference {

OpenedModel openModel(const std::string& path)
{
    OpenedModel m;
    if (isGgufPath(path)) {
        m.weights = WeightStore::openGguf(path);
        m.config = modelConfigFromGguf(m.weights.gguf()->layout(), path);
        m.gguf = true;
    } else {
        m.config = ModelConfig::fromFile(path + "/config.json");
        m.weights = WeightStore::openFolder(path);
    }
    m.weights.validateAgainst(m.config, path);
    return m;
}

}  // namespace fathom::inference
