// Parses the small Python literal subset that .npy headers use: a dict with string keys whose values
// are strings, True/False, integers or tuples of integers. Anything else is a FormatException.
namespace FlowGen.Runtime.Formats;

internal ref struct PyLiteralParser
{
    private readonly ReadOnlySpan<char> _s;
    private int _i;

    public PyLiteralParser(string text)
    {
        _s = text;
        _i = 0;
    }

    public Dictionary<string, object> ParseDict()
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        Expect('{');
        while (true)
        {
            SkipSpace();
            if (Peek() == '}') { _i++; break; }
            string key = ParseString();
            Expect(':');
            result[key] = ParseValue();
            SkipSpace();
            if (Peek() == ',') { _i++; continue; }
            Expect('}');
            break;
        }
        return result;
    }

    private object ParseValue()
    {
        SkipSpace();
        char c = Peek();
        if (c is '\'' or '"') return ParseString();
        if (c == '(') return ParseTuple();
        if (Match("True")) return true;
        if (Match("False")) return false;
        if (char.IsAsciiDigit(c)) return ParseInt();
        throw new FormatException($"unexpected '{c}' at {_i}");
    }

    private List<long> ParseTuple()
    {
        Expect('(');
        var items = new List<long>();
        while (true)
        {
            SkipSpace();
            if (Peek() == ')') { _i++; return items; }
            if (items.Count >= 64) throw new FormatException("tuple too long");
            items.Add(ParseInt());
            SkipSpace();
            if (Peek() == ',') { _i++; continue; }
            Expect(')');
            return items;
        }
    }

    private long ParseInt()
    {
        SkipSpace();
        int start = _i;
        while (_i < _s.Length && char.IsAsciiDigit(_s[_i])) _i++;
        if (_i == start || _i - start > 18) throw new FormatException($"bad integer at {start}");
        long v = long.Parse(_s[start.._i], System.Globalization.CultureInfo.InvariantCulture);
        if (_i < _s.Length && _s[_i] == 'L') _i++; // Python 2 long suffix in old files
        return v;
    }

    private string ParseString()
    {
        SkipSpace();
        char q = Peek();
        if (q is not ('\'' or '"')) throw new FormatException($"expected a string at {_i}");
        int start = ++_i;
        while (_i < _s.Length && _s[_i] != q)
        {
            if (_s[_i] == '\\') throw new FormatException("escapes are not supported");
            _i++;
        }
        if (_i >= _s.Length) throw new FormatException("unterminated string");
        return _s[start.._i++].ToString();
    }

    private bool Match(string word)
    {
        if (_s[_i..].StartsWith(word, StringComparison.Ordinal)) { _i += word.Length; return true; }
        return false;
    }

    private void Expect(char c)
    {
        SkipSpace();
        if (Peek() != c) throw new FormatException($"expected '{c}' at {_i}");
        _i++;
    }

    private char Peek() => _i < _s.Length ? _s[_i] : throw new FormatException("unexpected end");

    private void SkipSpace()
    {
        while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) _i++;
    }
}
