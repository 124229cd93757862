namespace CacheFailover.Backends.Commands;

/// <summary>Redis's glob patterns (KEYS, SCAN MATCH): <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a-z]</c> and <c>\</c> escapes.</summary>
public static class GlobPattern
{
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        return Match(pattern, 0, text, 0);
    }

    private static bool Match(string pattern, int p, string text, int t)
    {
        while (p < pattern.Length)
        {
            var c = pattern[p];
            if (c == '*')
            {
                // Collapse runs of stars, then try every split point.
                while (p < pattern.Length && pattern[p] == '*')
                {
                    p++;
                }

                if (p == pattern.Length)
                {
                    return true;
                }

                for (var i = t; i <= text.Length; i++)
                {
                    if (Match(pattern, p, text, i))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (t >= text.Length)
            {
                return false;
            }

            if (c == '?')
            {
                p++;
            }
            else if (c == '[')
            {
                var end = pattern.IndexOf(']', p + 1);
                if (end < 0)
                {
                    // An unclosed class matches its bracket literally.
                    if (text[t] != '[')
                    {
                        return false;
                    }

                    p++;
                }
                else
                {
                    if (!ClassMatches(pattern.AsSpan(p + 1, end - p - 1), text[t]))
                    {
                        return false;
                    }

                    p = end + 1;
                }
            }
            else
            {
                if (c == '\\' && p + 1 < pattern.Length)
                {
                    c = pattern[++p];
                }

                if (text[t] != c)
                {
                    return false;
                }

                p++;
            }

            t++;
        }

        return t == text.Length;
    }

    private static bool ClassMatches(ReadOnlySpan<char> set, char c)
    {
        var negate = set.Length > 0 && set[0] == '^';
        if (negate)
        {
            set = set[1..];
        }

        var found = false;
        for (var i = 0; i < set.Length && !found; i++)
        {
            if (i + 2 < set.Length && set[i + 1] == '-')
            {
                var (low, high) = set[i] <= set[i + 2] ? (set[i], set[i + 2]) : (set[i + 2], set[i]);
                found = c >= low && c <= high;
                i += 2;
            }
            else
            {
                found = set[i] == c;
            }
        }

        return found != negate;
    }
}
