// WeightStore over safetensors files: a single model.safetensors or an index + shards, every byte
// validated (docs/RELIABILITY.md cases 1-5) before the store is handed out.
#include "inference/model/weight_store_impl.h"

#include "inference/model/json_file.h"
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

// Shard names come from a downloaded file: they must stay inside the model folder.
void checkShardName(const std::string& index, const std::string& tensor, const std::string& shard)
{
    const std::string where = " (listed for tensor " + tensor + ")";
    if (shard.empty())
        throwFileError(index, "shard name is empty" + where);
    if (shard.find('\0') != std::string::npos)
        throwFileError(index, "shard name contains a NUL byte" + where);
    if (shard.front() == '/' || shard.front() == '\\' || (shard.size() > 1 && shard[1] == ':'))
        throwFileError(index, "shard \"" + shard + "\" is an absolute path" + where + "; shards must be in the model folder");
    std::size_t start = 0;
    while (start <= shard.size()) {
        std::size_t end = shard.find_first_of("/\\", start);
        if (end == std::string::npos)
            end = shard.size();
        if (shard.compare(start, end - start, "..") == 0)
            throwFileError(index, "shard \"" + shard + "\" contains \"..\"" + where + "; shards must be in the model folder");
        start = end + 1;
    }
}

Files openSharded(const fs::path& dir, const fs::path& indexPath)
{
    const std::string index = indexPath.string();
    // A V3 index (~92k tensors) is ~9 MB; the caps leave 5x room while bounding a hostile file's
    // parsed size to a few hundred MB.
    const nlohmann::json j = readJsonFile(index, 64u << 20, 1'000'000);
    if (!j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
        throwFileError(index, "must be a JSON object with a \"weight_map\" object");
    const auto& map = j.at("weight_map");
    if (map.empty())
        throwFileError(index, "\"weight_map\" lists no tensors");

    std::map<std::string, std::vector<std::string>> byShard;  // shard -> tensors the index puts there
    for (const auto& [tensor, shard] : map.items()) {
        if (!shard.is_string())
            throwFileError(index, "\"weight_map\" entry for tensor " + tensor + " must be a file name string");
        const auto& name = shard.get_ref<const std::string&>();
        checkShardName(index, tensor, name);
        byShard[name].push_back(tensor);
    }

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
            if (it->get_ref<const std::string&>() != shard)
                throwFileError(path.string(), "holds tensor " + t.name + ", which " + indexPath.filename().string() +
                                                  " places in " + it->get_ref<const std::string&>());
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
