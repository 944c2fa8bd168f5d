// Parses a DeepSeek-V2/V3 config.json (hub format, transformers 4 or 5 spelling) into ModelConfig and
// rejects anything missing, mistyped or absurd before a single weight is mapped (docs/RELIABILITY.md
// cases 6-7).
#include "inference/model/model_config.h"

#include "inference/model/json_file.h"
#include "base/error.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace fathom::inference {

namespace {

using nlohmann::json;

// Upper bounds far above any real checkpoint (V3: hidden 7168, vocab 129280, 163840 positions) yet low
// enough that every product the engine forms (heads × head dims, vocab × hidden) fits in 64 bits.
constexpr std::int64_t kMaxVocab = 1 << 22;
constexpr std::int64_t kMaxWidth = 1 << 16;         // hidden, ranks, head dims, heads
constexpr std::int64_t kMaxIntermediate = 1 << 20;
constexpr std::int64_t kMaxLayers = 1024;
constexpr std::int64_t kMaxExperts = 1 << 16;
constexpr std::int64_t kMaxPositions = 1 << 24;

// Reads config fields and turns every mistake into "SOURCE: field ...".
class Reader {
public:
    Reader(const json& j, const std::string& source) : m_j(j), m_source(source) {}

    [[noreturn]] void fail(const std::string& problem) const { throwFileError(m_source, problem); }

    bool has(const char* key) const { return m_j.contains(key) && !m_j.at(key).is_null(); }

    std::int64_t integer(const char* key, std::int64_t lo, std::int64_t hi) const
    {
        if (!m_j.contains(key))
            fail(std::string("required field \"") + key + "\" is missing");
        return integerValue(m_j.at(key), key, lo, hi);
    }
    std::int64_t integerOr(const char* key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const
    {
        return has(key) ? integerValue(m_j.at(key), key, lo, hi) : fallback;
    }
    std::int64_t integerValue(const json& v, const std::string& key, std::int64_t lo, std::int64_t hi) const
    {
        std::int64_t x;
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(hi))
                fail("\"" + key + "\" is " + std::to_string(u) + ", above the limit of " + std::to_string(hi));
            x = static_cast<std::int64_t>(u);
        } else if (v.is_number_integer()) {
            x = v.get<std::int64_t>();
        } else {
            fail("\"" + key + "\" must be an integer, not " + describe(v));
        }
        if (x < lo)
            fail("\"" + key + "\" is " + std::to_string(x) + " but must be at least " + std::to_string(lo));
        if (x > hi)
            fail("\"" + key + "\" is " + std::to_string(x) + ", above the limit of " + std::to_string(hi));
        return x;
    }

    double numberOr(const json& obj, const char* key, double fallback, const std::string& prefix = {}) const
    {
        if (!obj.contains(key) || obj.at(key).is_null())
            return fallback;
        const json& v = obj.at(key);
        if (!v.is_number())
            fail("\"" + prefix + key + "\" must be a number, not " + describe(v));
        const double d = v.get<double>();
        if (!std::isfinite(d))
            fail("\"" + prefix + key + "\" is not a finite number");
        return d;
    }
    double numberOr(const char* key, double fallback) const { return numberOr(m_j, key, fallback); }

    bool booleanOr(const char* key, bool fallback) const
    {
        if (!has(key))
            return fallback;
        if (!m_j.at(key).is_boolean())
            fail(std::string("\"") + key + "\" must be true or false, not " + describe(m_j.at(key)));
        return m_j.at(key).get<bool>();
    }

    std::string stringOr(const json& obj, const char* key, const std::string& fallback,
                         const std::string& prefix = {}) const
    {
        if (!obj.contains(key) || obj.at(key).is_null())
            return fallback;
        if (!obj.at(key).is_string())
            fail("\"" + prefix + key + "\" must be a string, not " + describe(obj.at(key)));
        return obj.at(key).get<std::string>();
    }
    std::string stringOr(const char* key, const std::string& fallback) const { return stringOr(m_j, key, fallback); }

    // A token id: an integer, null, or (eos in newer configs) a list whose first entry counts.
    std::int64_t tokenIdOr(const char* key, std::int64_t vocab) const
    {
        if (!has(key))
            return -1;
        const json& v = m_j.at(key);
        if (v.is_array()) {
            if (v.empty())
                return -1;
            return integerValue(v.at(0), std::string(key) + "[0]", 0, vocab - 1);
        }
        return integerValue(v, key, 0, vocab - 1);
    }

    static std::string describe(const json& v)
    {
        switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        case json::value_t::number_float: return "the fraction " + v.dump();
        default: return "a " + std::string(v.type_name());
        }
    }

private:
    const json& m_j;
    const std::string& m_source;
};

std::string architectureOf(const Reader& r, const json& j)
{
    if (!j.contains("architectures"))
        r.fail("required field \"architectures\" is missing");
    const json& a = j.at("architectures");
    if (!a.is_array() || a.empty() || !a.at(0).is_string())
        r.fail("\"architectures\" must be a non-empty list of names, not " + Reader::describe(a));
    const auto name = a.at(0).get<std::string>();
    if (name != "DeepseekV2ForCausalLM" && name != "DeepseekV3ForCausalLM")
        r.fail("architecture \"" + name +
               "\" is not supported (Fathom runs DeepseekV2ForCausalLM and DeepseekV3ForCausalLM)");
    return name;
}

// rope_scaling (transformers 4) or rope_parameters (transformers 5, which also carries rope_theta).
void readRope(const Reader& r, const json& j, ModelConfig& c)
{
    c.ropeTheta = r.numberOr("rope_theta", 10000.0);
    const char* key = nullptr;
    if (j.contains("rope_parameters") && !j.at("rope_parameters").is_null())
        key = "rope_parameters";
    else if (j.contains("rope_scaling") && !j.at("rope_scaling").is_null())
        key = "rope_scaling";
    if (!key)
        return;
    const json& s = j.at(key);
    const std::string p = std::string(key) + ".";
    if (!s.is_object())
        r.fail("\"" + std::string(key) + "\" must be an object, not " + Reader::describe(s));
    c.ropeTheta = r.numberOr(s, "rope_theta", c.ropeTheta, p);
    std::string type = r.stringOr(s, "rope_type", "", p);
    if (type.empty())
        type = r.stringOr(s, "type", "default", p);
    if (type == "default" || type == "none")
        return;
    if (type != "yarn")
        r.fail("\"" + p + "type\" \"" + type + "\" is not supported (DeepSeek models use \"yarn\")");
    RopeScaling& y = c.ropeScaling;
    y.yarn = true;
    y.factor = r.numberOr(s, "factor", 1.0, p);
    if (y.factor < 1.0 || y.factor > 1e6)
        r.fail("\"" + p + "factor\" is " + std::to_string(y.factor) + " but must be between 1 and 1e6");
    if (!s.contains("original_max_position_embeddings"))
        r.fail("required field \"" + p + "original_max_position_embeddings\" is missing");
    y.originalMaxPosition =
        r.integerValue(s.at("original_max_position_embeddings"), p + "original_max_position_embeddings", 1, kMaxPositions);
    y.betaFast = r.numberOr(s, "beta_fast", 32.0, p);
    y.betaSlow = r.numberOr(s, "beta_slow", 1.0, p);
    y.mscale = r.numberOr(s, "mscale", 1.0, p);
    y.mscaleAllDim = r.numberOr(s, "mscale_all_dim", 0.0, p);
    if (y.betaFast <= 0 || y.betaSlow <= 0 || y.betaFast < y.betaSlow)
        r.fail("\"" + p + "beta_fast\" and \"beta_slow\" must be positive with beta_fast >= beta_slow");
    if (y.mscale < 0 || y.mscaleAllDim < 0 || y.mscale > 100 || y.mscaleAllDim > 100)
        r.fail("\"" + p + "mscale\" and \"mscale_all_dim\" must be between 0 and 100");
}

void readMoe(const Reader& r, ModelConfig& c)
{
    c.nRoutedExperts = r.integerOr("n_routed_experts", 0, 1, kMaxExperts);
    c.firstKDenseReplace = r.integerOr("first_k_dense_replace", 0, 0, c.numLayers);
    c.moeLayerFreq = r.integerOr("moe_layer_freq", 1, 1, c.numLayers);
    if (c.nRoutedExperts == 0)
        return;  // dense model: the routing fields do not matter
    c.moeIntermediateSize = r.integer("moe_intermediate_size", 1, kMaxIntermediate);
    c.nSharedExperts = r.integerOr("n_shared_experts", 0, 0, 64);
    c.numExpertsPerTok = r.integer("num_experts_per_tok", 1, c.nRoutedExperts);
    c.nGroup = r.integerOr("n_group", 1, 1, c.nRoutedExperts);
    if (c.nRoutedExperts % c.nGroup != 0)
        r.fail("\"n_routed_experts\" " + std::to_string(c.nRoutedExperts) + " is not divisible by \"n_group\" " +
               std::to_string(c.nGroup));
    c.topkGroup = r.integerOr("topk_group", 1, 1, c.nGroup);

    const std::string method = r.stringOr("topk_method", "greedy");
    if (method == "greedy")
        c.topkMethod = TopkMethod::Greedy;
    else if (method == "group_limited_greedy")
        c.topkMethod = TopkMethod::GroupLimitedGreedy;
    else if (method == "noaux_tc")
        c.topkMethod = TopkMethod::NoauxTc;
    else
        r.fail("\"topk_method\" \"" + method + "\" is unknown (expected greedy, group_limited_greedy or noaux_tc)");
    const std::string scoring = r.stringOr("scoring_func", "softmax");
    if (scoring == "softmax")
        c.scoringFunc = ScoringFunc::Softmax;
    else if (scoring == "sigmoid")
        c.scoringFunc = ScoringFunc::Sigmoid;
    else
        r.fail("\"scoring_func\" \"" + scoring + "\" is unknown (expected softmax or sigmoid)");

    const std::int64_t perGroup = c.nRoutedExperts / c.nGroup;
    if (c.topkMethod != TopkMethod::Greedy && c.numExpertsPerTok > c.topkGroup * perGroup)
        r.fail("\"num_experts_per_tok\" " + std::to_string(c.numExpertsPerTok) + " is more than the " +
               std::to_string(c.topkGroup * perGroup) + " experts in the " + std::to_string(c.topkGroup) +
               " groups \"topk_group\" keeps");
    // noaux_tc scores a group by the sum of its two best experts (DeepSeek-V3's inference code).
    if (c.topkMethod == TopkMethod::NoauxTc && perGroup < 2)
        r.fail("\"topk_method\" noaux_tc needs at least 2 experts per group, but n_routed_experts / n_group is " +
               std::to_string(perGroup));
    c.normTopkProb = r.booleanOr("norm_topk_prob", false);
    c.routedScalingFactor = r.numberOr("routed_scaling_factor", 1.0);
    if (c.routedScalingFactor <= 0 || c.routedScalingFactor > 1e4)
        r.fail("\"routed_scaling_factor\" must be positive and at most 1e4");
}

}  // namespace

ModelConfig ModelConfig::fromJson(const nlohmann::json& j, const std::string& source)
{
    if (!j.is_object())
        throwFileError(source, "must be a JSON object, not " + Reader::describe(j));
    const Reader r(j, source);
    ModelConfig c;
    c.architecture = architectureOf(r, j);
    c.modelType = r.stringOr("model_type", c.architecture == "DeepseekV3ForCausalLM" ? "deepseek_v3" : "deepseek_v2");

    c.vocabSize = r.integer("vocab_size", 1, kMaxVocab);
    c.hiddenSize = r.integer("hidden_size", 1, kMaxWidth);
    c.intermediateSize = r.integer("intermediate_size", 1, kMaxIntermediate);
    c.numLayers = r.integer("num_hidden_layers", 1, kMaxLayers);
    c.numHeads = r.integer("num_attention_heads", 1, kMaxWidth);

    c.qLoraRank = r.integerOr("q_lora_rank", 0, 1, kMaxWidth);
    c.kvLoraRank = r.integer("kv_lora_rank", 1, kMaxWidth);
    c.qkNopeHeadDim = r.integer("qk_nope_head_dim", 1, kMaxWidth);
    c.qkRopeHeadDim = r.integer("qk_rope_head_dim", 2, kMaxWidth);
    c.vHeadDim = r.integer("v_head_dim", 1, kMaxWidth);
    if (c.qkRopeHeadDim % 2 != 0)
        r.fail("\"qk_rope_head_dim\" is " + std::to_string(c.qkRopeHeadDim) + " but rope rotates pairs, so it must be even");
    if (c.numHeads * c.qkHeadDim() > (std::int64_t{1} << 24) || c.numHeads * c.vHeadDim > (std::int64_t{1} << 24))
        r.fail("\"num_attention_heads\" × head dims is over 2^24: not a real model");

    readMoe(r, c);

    c.rmsNormEps = r.numberOr("rms_norm_eps", 1e-6);
    if (c.rmsNormEps <= 0 || c.rmsNormEps >= 1)
        r.fail("\"rms_norm_eps\" must be between 0 and 1 (exclusive)");
    c.maxPositionEmbeddings = r.integer("max_position_embeddings", 1, kMaxPositions);
    readRope(r, j, c);
    if (c.ropeTheta <= 0)
        r.fail("\"rope_theta\" must be positive");
    c.tieWordEmbeddings = r.booleanOr("tie_word_embeddings", false);
    c.bosTokenId = r.tokenIdOr("bos_token_id", c.vocabSize);
    c.eosTokenId = r.tokenIdOr("eos_token_id", c.vocabSize);
    return c;
}

ModelConfig ModelConfig::fromFile(const std::string& path)
{
    return fromJson(readJsonFile(path, 1 << 20, 100'000), path);
}

bool ModelConfig::isMoeLayer(std::int64_t layer) const
{
    return nRoutedExperts > 0 && layer >= firstKDenseReplace && layer % moeLayerFreq == 0;
}

double ModelConfig::softmaxScale() const
{
    double scale = 1.0 / std::sqrt(static_cast<double>(qkHeadDim()));
    // DeepSeek's attention: only mscale_all_dim enters the softmax scale; yarn's own mscale scales cos/sin.
    if (ropeScaling.yarn && ropeScaling.mscaleAllDim != 0.0 && ropeScaling.factor > 1.0) {
        const double m = 0.1 * ropeScaling.mscaleAllDim * std::log(ropeScaling.factor) + 1.0;
        scale *= m * m;
    }
    return scale;
}

}  // namespace fathom::inference
