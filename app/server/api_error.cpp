// OpenAI's error shape; null for an empty param or code, as OpenAI sends it.
#include "app/server/api_error.h"

#include <nlohmann/json.hpp>

namespace fathom::server {

ApiError::ApiError(int status, std::string message, std::string type, std::string param, std::string code)
    : std::runtime_error(std::move(message)), m_status(status), m_type(std::move(type)), m_param(std::move(param)),
      m_code(std::move(code))
{
}

std::string ApiError::body() const
{
    nlohmann::json e = {{"message", what()}, {"type", m_type}, {"param", nullptr}, {"code", nullptr}};
    if (!m_param.empty()) e["param"] = m_param;
    if (!m_code.empty()) e["code"] = m_code;
    // Invalid UTF-8 from a client's field name must not throw here: replace it.
    return nlohmann::json{{"error", e}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError ApiError::badRequest(const std::string& message, const std::string& param, const std::string& code)
{
    return ApiError(400, message, "invalid_request_error", param, code);
}

}  // namespace fathom::server
