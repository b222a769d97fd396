using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MLNetMixture.Training.Tests.Triton;

/// <summary>
/// A strict parser of the protobuf text format (the format of Triton's config.pbtxt) into a generated message,
/// driven by the message's descriptor: an unknown field, an unknown enum name, a value of the wrong kind or a
/// singular field given twice fails with the line and column. Google.Protobuf for C# deliberately has no text-format
/// parser (protocolbuffers/protobuf#6654: only JSON is supported), so the tests carry this one.
/// </summary>
internal static class ProtobufTextParser
{
    /// <summary>Parses <paramref name="text"/> into a new <typeparamref name="T"/>.</summary>
    public static T Parse<T>(string text)
        where T : IMessage<T>, new()
    {
        var message = new T();
        var reader = new Tokens(text);
        ParseFields(reader, message, endToken: null);
        return message;
    }

    private static void ParseFields(Tokens reader, IMessage message, string? endToken)
    {
        var descriptor = message.Descriptor;
        var seen = new HashSet<int>();
        while (true)
        {
            var token = reader.Next();
            if (token is null)
            {
                if (endToken is not null)
                {
                    throw reader.Error($"expected '{endToken}' closing {descriptor.Name}, found the end of the text");
                }

                return;
            }

            if (token == endToken)
            {
                return;
            }

            if (!IsIdentifier(token))
            {
                throw reader.Error($"expected a field name of {descriptor.Name}, found '{token}'");
            }

            var field = descriptor.FindFieldByName(token) ?? throw reader.Error($"{descriptor.Name} has no field '{token}'");
            if (!field.IsRepeated && !seen.Add(field.FieldNumber))
            {
                throw reader.Error($"{descriptor.Name}.{field.Name} is given twice");
            }

            if (field.FieldType == FieldType.Message)
            {
                if (reader.Peek() == ":")
                {
                    reader.Next();
                }

                string open = reader.Next() ?? throw reader.Error($"expected '{{' or '[' after {field.Name}, found the end of the text");
                if (open == "[" && field.IsRepeated)
                {
                    ParseList(reader, () => AddMessage(reader, message, field, reader.Next()));
                }
                else
                {
                    AddMessage(reader, message, field, open);
                }
            }
            else
            {
                reader.Expect(":");
                if (reader.Peek() == "[")
                {
                    if (!field.IsRepeated)
                    {
                        throw reader.Error($"{descriptor.Name}.{field.Name} is not repeated, found a list");
                    }

                    reader.Next();
                    ParseList(reader, () => Store(message, field, Scalar(reader, field)));
                }
                else
                {
                    Store(message, field, Scalar(reader, field));
                }
            }

            if (reader.Peek() is "," or ";")
            {
                reader.Next();
            }
        }
    }

    private static void ParseList(Tokens reader, Action element)
    {
        if (reader.Peek() == "]")
        {
            reader.Next();
            return;
        }

        while (true)
        {
            element();
            string separator = reader.Next() ?? throw reader.Error("expected ',' or ']', found the end of the text");
            if (separator == "]")
            {
                return;
            }

            if (separator != ",")
            {
                throw reader.Error($"expected ',' or ']', found '{separator}'");
            }
        }
    }

    private static void AddMessage(Tokens reader, IMessage parent, FieldDescriptor field, string? open)
    {
        string close = open switch
        {
            "{" => "}",
            "<" => ">",
            _ => throw reader.Error($"expected '{{' opening {field.MessageType.Name} {field.Name}, found '{open}'"),
        };
        var child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
        ParseFields(reader, child, close);
        Store(parent, field, child);
    }

    private static void Store(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(message)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    private static object Scalar(Tokens reader, FieldDescriptor field)
    {
        string token = reader.Next() ?? throw reader.Error($"expected a value of {field.Name}, found the end of the text");
        try
        {
            return field.FieldType switch
            {
                FieldType.String => token.StartsWith('"') ? Unquote(token) : throw new FormatException("expected a quoted string"),
                FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                FieldType.UInt32 or FieldType.Fixed32 => uint.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture),
                FieldType.UInt64 or FieldType.Fixed64 => ulong.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture),
                FieldType.Bool => token switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException("expected true or false"),
                },
                FieldType.Float => float.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture),
                FieldType.Double => double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture),
                FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, (field.EnumType.FindValueByName(token)
                    ?? throw new FormatException($"expected one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))}")).Number),
                _ => throw new FormatException($"field type {field.FieldType} is not supported"),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw reader.Error($"{field.ContainingType.Name}.{field.Name}: {e.Message} (found '{token}')");
        }
    }

    private static bool IsIdentifier(string token) => (char.IsAsciiLetter(token[0]) || token[0] == '_') && token.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static string Unquote(string token)
    {
        var text = new StringBuilder();
        for (int i = 1; i < token.Length - 1; i++)
        {
            char c = token[i];
            if (c == '\\')
            {
                c = token[++i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    char other => other,
                };
            }

            text.Append(c);
        }

        return text.ToString();
    }

    private sealed class Tokens
    {
        private readonly string _text;
        private int _position;
        private int _tokenStart;

        public Tokens(string text)
        {
            _text = text;
        }

        public string? Peek()
        {
            int saved = _position;
            int savedStart = _tokenStart;
            string? token = Next();
            _position = saved;
            _tokenStart = savedStart;
            return token;
        }

        public void Expect(string expected)
        {
            string? token = Next();
            if (token != expected)
            {
                throw Error($"expected '{expected}', found {(token is null ? "the end of the text" : $"'{token}'")}");
            }
        }

        public string? Next()
        {
            while (_position < _text.Length)
            {
                if (char.IsWhiteSpace(_text[_position]))
                {
                    _position++;
                }
                else if (_text[_position] == '#')
                {
                    while (_position < _text.Length && _text[_position] != '\n')
                    {
                        _position++;
                    }
                }
                else
                {
                    break;
                }
            }

            _tokenStart = _position;
            if (_position >= _text.Length)
            {
                return null;
            }

            char c = _text[_position];
            if ("{}[]<>:,;".Contains(c, StringComparison.Ordinal))
            {
                _position++;
            }
            else if (c == '"')
            {
                _position++;
                while (_position < _text.Length && _text[_position] != '"')
                {
                    _position += _text[_position] == '\\' ? 2 : 1;
                }

                if (_position >= _text.Length)
                {
                    throw Error("unterminated string");
                }

                _position++;
            }
            else
            {
                while (_position < _text.Length && !char.IsWhiteSpace(_text[_position]) && !"{}[]<>:,;\"#".Contains(_text[_position], StringComparison.Ordinal))
                {
                    _position++;
                }
            }

            return _text[_tokenStart.._position];
        }

        public FormatException Error(string message)
        {
            int line = 1 + _text.AsSpan(0, _tokenStart).Count('\n');
            int column = _tokenStart - (_text.LastIndexOf('\n', Math.Max(0, _tokenStart - 1)) + 1) + 1;
            return new FormatException($"config.pbtxt line {line}, column {column}: {message}");
        }
    }
}
