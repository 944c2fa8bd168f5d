// Name checks for hub input; see hub_names.h. Each throw says which name was wrong and why.
#include "app/hub/hub_names.h"

#include "base/error.h"

#include <QStringList>

namespace fathom::app {

namespace {

bool isHex(const QString& s, int length)
{
    if (s.size() != length)
        return false;
    for (QChar c : s)
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    return true;
}

bool isNameChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.' ||
           c == u'_' || c == u'-';
}

QString repoIdProblem(const QString& id)
{
    if (id.isEmpty())
        return QStringLiteral("is empty");
    if (id.size() > 96)
        return QStringLiteral("is longer than 96 characters");
    if (id.count(u'/') != 1)
        return QStringLiteral("must be ORG/NAME with exactly one '/'");
    for (QChar c : id)
        if (c != u'/' && !isNameChar(c))
            return QStringLiteral("contains '%1'; only letters, digits, '.', '_', '-' are allowed").arg(c);
    if (id.contains(QStringLiteral("--")) || id.contains(QStringLiteral("..")))
        return QStringLiteral("contains '--' or '..'");
    for (const QString& part : id.split(u'/')) {
        if (part.isEmpty())
            return QStringLiteral("has an empty part");
        if (part.startsWith(u'-') || part.startsWith(u'.') || part.endsWith(u'-') || part.endsWith(u'.'))
            return QStringLiteral("has a part starting or ending with '-' or '.'");
    }
    return {};
}

// Python fnmatch semantics on QString; recursion depth bounded by the number of '*' in the pattern.
bool matchFrom(const QString& p, qsizetype pi, const QString& s, qsizetype si)
{
    while (pi < p.size()) {
        const QChar c = p[pi];
        if (c == u'*') {
            while (pi < p.size() && p[pi] == u'*')
                ++pi;
            if (pi == p.size())
                return true;
            for (qsizetype k = si; k <= s.size(); ++k)
                if (matchFrom(p, pi, s, k))
                    return true;
            return false;
        }
        if (si >= s.size())
            return false;
        if (c == u'?') {
            ++pi, ++si;
            continue;
        }
        if (c == u'[') {
            qsizetype j = pi + 1;
            bool negate = j < p.size() && (p[j] == u'!');
            if (negate)
                ++j;
            qsizetype close = j < p.size() && p[j] == u']' ? p.indexOf(u']', j + 1) : p.indexOf(u']', j);
            if (close < 0) {  // no closing bracket: '[' is literal, as in fnmatch
                if (s[si] != u'[')
                    return false;
                ++pi, ++si;
                continue;
            }
            bool hit = false;
            for (qsizetype k = j; k < close; ++k) {
                if (k + 2 < close && p[k + 1] == u'-') {
                    hit = hit || (s[si] >= p[k] && s[si] <= p[k + 2]);
                    k += 2;
                } else {
                    hit = hit || s[si] == p[k];
                }
            }
            if (hit == negate)
                return false;
            pi = close + 1, ++si;
            continue;
        }
        if (c != s[si])
            return false;
        ++pi, ++si;
    }
    return si == s.size();
}

}  // namespace

bool isValidRepoId(const QString& repoId) { return repoIdProblem(repoId).isEmpty(); }

void checkRepoId(const QString& repoId)
{
    const QString problem = repoIdProblem(repoId);
    if (!problem.isEmpty())
        throwUserError(QStringLiteral("repo id '%1' %2").arg(repoId, problem).toStdString());
}

void checkRevision(const QString& revision)
{
    QString problem;
    if (revision.isEmpty() || revision.size() > 255)
        problem = QStringLiteral("is empty or longer than 255 characters");
    else if (revision.contains(QChar(0)) || revision.contains(u'\\') || revision.startsWith(u'/') ||
             revision.endsWith(u'/'))
        problem = QStringLiteral("contains NUL or '\\', or starts or ends with '/'");
    else
        for (const QString& part : revision.split(u'/'))
            if (part.isEmpty() || part == u"." || part == u"..")
                problem = QStringLiteral("has an empty, '.' or '..' part");
    if (!problem.isEmpty())
        throwUserError(QStringLiteral("revision '%1' %2").arg(revision, problem).toStdString());
}

void checkRepoFilePath(const QString& path)
{
    QString problem;
    if (path.isEmpty() || path.size() > 1024)
        problem = QStringLiteral("is empty or longer than 1024 characters");
    else if (path.contains(QChar(0)))
        problem = QStringLiteral("contains a NUL byte");
    else if (path.contains(u'\\'))
        problem = QStringLiteral("contains '\\'");
    else if (path.startsWith(u'/') || (path.size() > 1 && path[1] == u':'))
        problem = QStringLiteral("is an absolute path");
    else
        for (const QString& part : path.split(u'/'))
            if (part.isEmpty() || part == u"." || part == u"..")
                problem = QStringLiteral("has an empty, '.' or '..' part");
    if (!problem.isEmpty()) {
        QString shown = path;
        shown.replace(QChar(0), QStringLiteral("\\0"));
        throwUserError(QStringLiteral("hub file name '%1' %2; refusing to write it").arg(shown, problem).toStdString());
    }
}

bool isCommitHash(const QString& s) { return isHex(s, 40); }
bool isSha256Hex(const QString& s) { return isHex(s, 64); }

QString normalizeEtag(const QByteArray& headerValue)
{
    QByteArray v = headerValue.trimmed();
    if (v.startsWith("W/"))
        v = v.mid(2);
    if (v.size() >= 2 && v.startsWith('"') && v.endsWith('"'))
        v = v.mid(1, v.size() - 2);
    return QString::fromLatin1(v);
}

bool globMatch(const QString& pattern, const QString& path) { return matchFrom(pattern, 0, path, 0); }

QString repoFolderName(const QString& repoId)
{
    return QStringLiteral("models--") + QString(repoId).replace(u'/', QStringLiteral("--"));
}

QString formatBytes(qint64 bytes)
{
    static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(bytes) : QStringLiteral("%1 %2").arg(v, 0, 'f', 1).arg(QLatin1String(units[u]));
}

}  // namespace fathom::app
