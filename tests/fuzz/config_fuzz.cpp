// libFuzzer target: arbitrary bytes as config.json. Parsing must end in a ModelConfig that passed
// validation or in fathom::Error; expectedTensors-sized products must not overflow (UBSan checks).
#include "inference/model/json_file.h"
#include "inference/model/model_config.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    try {
        const auto j = parseJsonText(std::string(reinterpret_cast<const char*>(data), size), "config.json", 100000);
        const ModelConfig c = ModelConfig::fromJson(j, "config.json");
        volatile double s = c.softmaxScale();
        volatile std::int64_t rows = c.numHeads * (c.qkNopeHeadDim + c.vHeadDim) * c.kvLoraRank +
                                     c.vocabSize * c.hiddenSize + c.nRoutedExperts * c.moeIntermediateSize * c.hiddenSize;
        (void)s;
        (void)rows;
    } catch (const fathom::Error&) {
    }
    return 0;
}
