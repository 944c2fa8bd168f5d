// libFuzzer target: arbitrary bytes as a whole safetensors file. The parser must either return a
// layout whose every view lies inside the input, or throw fathom::Error; anything else is a bug.
#include "inference/model/safetensors_header.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    try {
        const SafetensorsLayout layout = parseSafetensors(bytes, size, "fuzz.safetensors");
        for (const TensorView& t : layout.tensors) {
            if (t.data < bytes + layout.dataOffset || t.data + t.nbytes > bytes + size ||
                t.nbytes != static_cast<std::size_t>(t.numel()) * dtypeSize(t.dtype))
                std::abort();
            if (t.numel() > 0) {  // touch the first and last element: ASan catches a bad view
                float f[1];
                toFloat(t, 0, 1, f);
                toFloat(t, t.numel() - 1, 1, f);
            }
        }
    } catch (const fathom::Error&) {
    }
    return 0;
}
