// An error a client of the OpenAI-compatible server gets back: the HTTP status and OpenAI's JSON shape
// {"error": {"message", "type", "param", "code"}}, so the official clients raise their usual
// exception classes (BadRequestError, AuthenticationError, ...). Qt-free.
#pragma once

#include <stdexcept>
#include <string>

namespace fathom::server {

class ApiError final : public std::runtime_error {
public:
    // type: OpenAI's "invalid_request_error", "authentication_error", "not_found_error",
    // "server_error"; param: the request field at fault ("" = null); code: a stable machine name
    // ("" = null), e.g. "invalid_json", "context_length_exceeded".
    ApiError(int status, std::string message, std::string type, std::string param = {}, std::string code = {});

    int status() const noexcept { return m_status; }
    const std::string& type() const noexcept { return m_type; }
    const std::string& param() const noexcept { return m_param; }
    const std::string& code() const noexcept { return m_code; }
    // The response body, one line of JSON.
    std::string body() const;

    // 400 invalid_request_error naming the field.
    static ApiError badRequest(const std::string& message, const std::string& param = {}, const std::string& code = {});

private:
    int m_status;
    std::string m_type, m_param, m_code;
};

}  // namespace fathom::server
