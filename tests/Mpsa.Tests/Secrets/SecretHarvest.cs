using System.Collections;
using System.Reflection;
using Mpsa.Ike.Crypto;

namespace Mpsa.Tests.Secrets;

/// <summary>
/// Every secret an object graph holds: each live <see cref="SecretBytes"/> (PSK, SK_*, SK_d, KEYMAT, ESP keys) reached
/// through the fields of mpsa's own types and their collections. Reflection, so that a secret added later is found too.
/// </summary>
internal static class SecretHarvest
{
    public static void Collect(object root, ISet<string> hexSecrets)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<object>([root]);
        while (stack.TryPop(out var o))
        {
            if (!seen.Add(o))
            {
                continue;
            }
            if (o is SecretBytes s)
            {
                try
                {
                    if (s.Length >= 8)
                    {
                        hexSecrets.Add(Convert.ToHexString(s.Span));
                    }
                }
                catch (ObjectDisposedException)
                {
                    // Zeroed already: nothing left to leak.
                }
                continue;
            }
            if (o is IEnumerable items and not string and not byte[])
            {
                foreach (var item in items)
                {
                    Push(stack, item);
                }
            }
            var type = o.GetType();
            if (!IsOurs(type) && !type.IsGenericType)
            {
                continue;
            }
            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!f.FieldType.IsPrimitive && !f.FieldType.IsPointer && !f.FieldType.IsByRefLike)
                    {
                        Push(stack, f.GetValue(o));
                    }
                }
            }
        }
    }

    private static void Push(Stack<object> stack, object? value)
    {
        if (value is null)
        {
            return;
        }
        var type = value.GetType();
        if (IsOurs(type) || value is IEnumerable and not string || type.IsGenericType || type.Name.StartsWith("ValueTuple", StringComparison.Ordinal))
        {
            stack.Push(value);
        }
    }

    private static bool IsOurs(Type t) => t.Namespace?.StartsWith("Mpsa.", StringComparison.Ordinal) == true && !t.Namespace.StartsWith("Mpsa.Tests", StringComparison.Ordinal);
}
