// libFuzzer target: arbitrary bytes as a whole .gguf file. parseGguf must either return a layout
// whose every tensor lies inside the input with the byte size its type implies, or throw
// fathom::Error; the deepseek2 config reader then either gives a config or throws. Anything else
// (a crash, a sanitizer report, an abort) is a bug. Seeds: tests/data/gguf/*.gguf.
#include "inference/model/gguf_layout.h"
#include "inference/model/gguf_model.h"
#include "inference/model/gguf_types.h"
#include "inference/model/quant.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    try {
        const GgufLayout g = parseGguf(bytes, size, "fuzz.gguf");
        for (const GgufTensorInfo& t : g.tensors) {
            const GgmlTypeInfo* info = ggmlTypeInfo(t.type);
            if (!info || t.data < bytes + g.dataOffset || t.data + t.nbytes > bytes + size ||
                t.nbytes != static_cast<std::size_t>(t.numel() / info->blockElements) * info->blockBytes)
                std::abort();
            if (info->dtype) {  // dequantize the first and last block: ASan catches a bad view
                std::vector<float> out(static_cast<std::size_t>(info->blockElements));
                dequantize(*info->dtype, t.data, info->blockElements, out.data());
                dequantize(*info->dtype, t.data + t.nbytes - info->blockBytes, info->blockElements, out.data());
            }
        }
        (void)modelConfigFromGguf(g, "fuzz.gguf");
    } catch (const fathom::Error&) {
    }
    return 0;
}
