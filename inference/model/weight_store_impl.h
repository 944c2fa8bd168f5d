// WeightStore's private state, shared by its source files (weight_store.cpp: files and folders, gguf_weights.cpp: a
// .gguf file, synthetic_weights.cpp: random weights, expected_tensors.cpp: the architecture check).
#pragma once

#include "inference/model/gguf_file.h"
#include "inference/model/safetensors.h"
#include "inference/model/weight_store.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fathom::inference {

struct WeightStore::Impl {
    std::vector<std::unique_ptr<SafetensorsFile>> files;  // mapped files the views point into
    std::vector<std::unique_ptr<std::byte[]>> buffers;    // synthetic weights the views point into
    std::unique_ptr<GgufFile> gguf;                       // the mapped .gguf the views point into
    std::map<std::string, TensorView> tensors;            // by hub name
};

}  // namespace fathom::inference
