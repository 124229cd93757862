using System.Globalization;
using System.Text;
using CacheFailover.Backends;

namespace CacheFailover.Resp.Commands;

/// <summary>The command table as the Markdown tables of docs/resp.md (a test keeps the file equal to this).</summary>
internal static class RespCommandDocs
{
    public const string Begin = "<!-- command table: generated from RespCommandTable, checked by a test -->";
    public const string End = "<!-- end of command table -->";

    private static readonly string[] GroupOrder = ["connection", "transaction", "string", "key", "server", "hash", "list", "set", "sorted set"];

    public static string Markdown(RespCommandTable table)
    {
        var text = new StringBuilder();
        text.Append(Begin).Append("\n\n");
        text.Append("| command | group | arity | writes | keys | safe to repeat | in-memory backend |\n");
        text.Append("|---|---|---|---|---|---|---|\n");
        var served = table.All
            .Where(c => c.Route != RespRoute.Refused)
            .OrderBy(c => Array.IndexOf(GroupOrder, c.Group))
            .ThenBy(c => c.Name, StringComparer.Ordinal);
        foreach (var c in served)
        {
            var memory = c.Route == RespRoute.Connection ? "front door" : c.Route == RespRoute.Transaction ? "no (Redis only)" : InMemoryCacheBackend.SupportedCommands.Contains(c.Name) || c.Route == RespRoute.Flush ? "yes" : "no";
            var safe = c.IsSafeToRepeat ? (c.UnsafeOptions.Count > 0 ? $"yes, not with {string.Join("/", c.UnsafeOptions)}" : "yes") : "**no**";
            text.Append(CultureInfo.InvariantCulture, $"| `{c.Name}` | {c.Group} | {c.Arity} | {(c.IsWrite ? "yes" : "no")} | {Keys(c)} | {(c.Route is RespRoute.Connection or RespRoute.Transaction ? "—" : safe)} | {memory} |\n");
        }

        text.Append("\nRefused (answered with `-ERR '<command>' is not supported: <why>`; the connection stays open):\n\n");
        text.Append("| commands | why |\n|---|---|\n");
        foreach (var reason in table.All.Where(c => c.Route == RespRoute.Refused).GroupBy(c => c.Refusal))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {string.Join(", ", reason.Select(c => $"`{c.Name}`"))} | {reason.Key} |\n");
        }

        text.Append('\n').Append(End).Append('\n');
        return text.ToString();
    }

    private static string Keys(RespCommandSpec c) => c.FirstKey == 0
        ? "—"
        : c.LastKey == -1 ? (c.KeyStep == 1 ? "all" : "1, 3, 5, …")
        : c.LastKey == c.FirstKey ? "1" : $"{c.FirstKey.ToString(CultureInfo.InvariantCulture)}–{c.LastKey.ToString(CultureInfo.InvariantCulture)}";
}
