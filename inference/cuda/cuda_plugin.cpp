// The CUDA backend as the engine sees it: the one entry point of libfathom_cuda_backend.so
// (inference/engine/backend_plugin.h), over probeDevice, CudaModel and CudaRunner.
#include "fathom_version.h"
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_model.h"
#include "inference/cuda/cuda_runner.h"
#include "inference/engine/backend_plugin.h"
#include "base/error.h"

namespace {

using namespace fathom::inference;

int deviceCount(std::string* why)
{
    const cuda::DeviceInfo& dev = cuda::probeDevice();
    if (!dev.usable && why)
        *why = dev.reason;
    return dev.usable ? 1 : 0;  // the backend runs on device 0 only
}

// UserInput naming the model folder when the kernels do not cover this shape.
void requireSupported(const BackendRunnerArgs& args)
{
    if (args.device != 0)
        fathom::throwUserError("the CUDA backend runs on device 0 only, not " + std::to_string(args.device));
    std::string why;
    if (!cuda::CudaModel::supports(*args.config, &why))
        fathom::throwUserError("the CUDA backend cannot run " + args.modelDir + ": " + why);
}

std::unique_ptr<ModelRunner> createRunner(const BackendRunnerArgs& args)
{
    requireSupported(args);
    return std::make_unique<CudaRunner>(*args.config, *args.weights, args.contextLength, args.uploadProgress,
                                        args.memoryLimitBytes);
}

std::vector<float> logits(const BackendRunnerArgs& args, const std::vector<std::int32_t>& tokens)
{
    requireSupported(args);
    cuda::CudaModelOptions options;
    options.contextLength = args.contextLength;
    options.memoryLimitBytes = args.memoryLimitBytes;
    cuda::CudaModel gpu(*args.config, *args.weights, options);
    return gpu.forward(tokens, 0, false);  // fp32 [tokens, vocab]
}

const BackendPlugin kPlugin{FATHOM_BACKEND_ABI_VERSION, FATHOM_VERSION, "cuda", deviceCount, createRunner, logits};

}  // namespace

FATHOM_BACKEND_EXPORT const BackendPlugin* fathom_backend_plugin()
{
    return &kPlugin;
}
