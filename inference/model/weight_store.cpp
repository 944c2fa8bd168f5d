// WeightStore over safetensors files: a single model.safetensors or an index + shards, every byte
// validated (docs/RELIABILITY.md cases 1-5) before the store is handed out.
#include "inference/model/weight_store_impl.h"

#include "inference/model/shard_index.h"
#include "base/error.h"

#include <filesystem>
#include <set>
#include <unordered_set>

namespace fathom::inference {

namespace fs = std::filesystem;

WeightStore::WeightStore() : m_impl(std::make_unique<Impl>()) {}
WeightStore::~WeightStore() = default;
WeightStore::WeightStore(WeightStore&&) noexcept = default;
WeightStore& WeightStore::operator=(WeightStore&&) noexcept = default;

namespace {

using Files = std::vector<std::unique_ptr<SafetensorsFile>>;

void addFile(std::map<std::string, TensorView>& tensors, Files& files, std::unique_ptr<SafetensorsFile> file)
{
    for (const TensorView& t : file->tensors())
        tensors.emplace(t.name, t);  // names are unique per file; the index guarantees across shards
    files.push_back(std::move(file));
}

Files openSharded(const fs::path& dir, const fs::path& indexPath)
{
    const std::string index = indexPath.string();
    // Size, depth and shard names are checked there (kShardIndexLimits in json_file.h).
    const ShardIndex parsed = readShardIndex(index);
    const auto& byShard = parsed.byShard;
    const auto& map = parsed.shardOf;

    Files files;
    for (const auto& [shard, listed] : byShard) {
        const fs::path path = dir / shard;
        std::error_code ec;
        if (!fs::exists(path, ec))
            throwFileError(index, "shard " + shard + " (listed for tensor " + listed.front() + ") is missing from " +
                                      dir.string());
        auto file = std::make_unique<SafetensorsFile>(path.string());
        std::unordered_set<std::string> inShard;
        for (const TensorView& t : file->tensors())
            inShard.insert(t.name);
        for (const std::string& tensor : listed)
            if (!inShard.count(tensor))
                throwFileError(index, "lists tensor " + tensor + " in shard " + shard + ", but " + shard +
                                          " has no such tensor");
        for (const TensorView& t : file->tensors()) {
            const auto it = map.find(t.name);
            if (it == map.end())
                throwFileError(path.string(), "holds tensor " + t.name + ", which " + indexPath.filename().string() +
                                                  " does not list");
            if (it->second != shard)
                throwFileError(path.string(), "holds tensor " + t.name + ", which " + indexPath.filename().string() +
                                                  " places in " + it->second);
        }
        files.push_back(std::move(file));
    }
    return files;
}

}  // namespace

WeightStore WeightStore::openFolder(const std::string& dir)
{
    const fs::path d(dir);
    std::error_code ec;
    if (!fs::is_directory(d, ec))
        throwFileError(dir, fs::exists(d, ec) ? "not a folder" : "folder not found");
    WeightStore store;
    // Like transformers: a single model.safetensors wins over an index when both are present.
    if (fs::exists(d / "model.safetensors", ec)) {
        addFile(store.m_impl->tensors, store.m_impl->files,
                std::make_unique<SafetensorsFile>((d / "model.safetensors").string()));
    } else if (fs::exists(d / "model.safetensors.index.json", ec)) {
        for (auto& file : openSharded(d, d / "model.safetensors.index.json"))
            addFile(store.m_impl->tensors, store.m_impl->files, std::move(file));
    } else {
        throwFileError(dir, "has neither model.safetensors nor model.safetensors.index.json");
    }
    return store;
}

WeightStore WeightStore::openFile(const std::string& path)
{
    WeightStore store;
    addFile(store.m_impl->tensors, store.m_impl->files, std::make_unique<SafetensorsFile>(path));
    return store;
}

const TensorView* WeightStore::find(const std::string& name) const
{
    const auto it = m_impl->tensors.find(name);
    return it == m_impl->tensors.end() ? nullptr : &it->second;
}

const TensorView& WeightStore::get(const std::string& name) const
{
    if (const TensorView* t = find(name))
        return *t;
    throwUserError("model is missing tensor " + name);
}

std::vector<std::string> WeightStore::names() const
{
    std::vector<std::string> out;
    out.reserve(m_impl->tensors.size());
    for (const auto& [name, t] : m_impl->tensors)
        out.push_back(name);
    return out;
}

void WeightStore::adopt(const std::string& name, DType dtype, std::unique_ptr<std::byte[]> data, std::size_t nbytes)
{
    const auto it = m_impl->tensors.find(name);
    if (it == m_impl->tensors.end())
        throwInternalError("WeightStore::adopt: no tensor " + name);
    TensorView& t = it->second;
    const std::int64_t cols = t.shape.empty() ? 1 : t.shape.back();
    if (cols % blockElements(dtype) != 0 || rowBytes(dtype, cols) * static_cast<std::size_t>(t.numel() / cols) != nbytes)
        throwInternalError("WeightStore::adopt: " + std::to_string(nbytes) + " bytes do not hold " + name + " as " + dtypeName(dtype));
    t.dtype = dtype;
    t.data = data.get();
    t.nbytes = nbytes;
    m_impl->buffers.push_back(std::move(data));
}

std::size_t WeightStore::totalBytes() const
{
    // Aliased synthetic layers share bytes: count each distinct block once.
    std::set<std::pair<const std::byte*, std::size_t>> seen;
    std::size_t total = 0;
    for (const auto& [name, t] : m_impl->tensors)
        if (seen.insert({t.data, t.nbytes}).second)
            total += t.nbytes;
    return total;
}

}  // namespace fathom::inference
