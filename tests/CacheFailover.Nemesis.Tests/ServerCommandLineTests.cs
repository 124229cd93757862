using System.Globalization;
using CacheFailover.Nemesis.Cluster;
using CacheFailover.Options;

namespace CacheFailover.Nemesis.Tests;

public sealed class ServerCommandLineTests
{
    private static readonly Dictionary<string, string> Connections = new(StringComparer.Ordinal)
    {
        ["backup-2"] = "127.0.0.1:7003",
        ["primary"] = "127.0.0.1:7001",
        ["backup-1"] = "127.0.0.1:7002",
    };

    [Fact]
    public void Arguments_SameCachesInPriorityOrder_GroupHttpAndFrontDoorOnLoopback()
    {
        var arguments = ServerCommandLine.Arguments(Connections, "nemesis", 21001, 21002, NemesisCluster.Options);

        Assert.Equal(
            ["--primary", "127.0.0.1:7001", "--backup", "127.0.0.1:7002", "--backup", "127.0.0.1:7003",
             "--group", "nemesis", "--transport", "http", "--urls", "http://127.0.0.1:21001", "--resp", "127.0.0.1:21002"],
            arguments.Take(14));
    }

    [Fact]
    public void Arguments_EveryFailoverOption_ReadBackAsTheInProcessMembersOptions()
    {
        var arguments = ServerCommandLine.Arguments(Connections, "nemesis", 21001, 21002, NemesisCluster.Options);

        // Read back the way the server's configuration reads them: --name value, by the option catalog.
        var read = new FailoverOptions();
        var named = 0;
        for (var i = 14; i < arguments.Count; i += 2)
        {
            var option = FailoverOptionCatalog.Get(arguments[i][2..]);
            object value = option.Type switch
            {
                FailoverOptionType.Switch => bool.Parse(arguments[i + 1]),
                FailoverOptionType.WholeNumber => int.Parse(arguments[i + 1], CultureInfo.InvariantCulture),
                _ => double.Parse(arguments[i + 1], CultureInfo.InvariantCulture),
            };
            read = option.Write(read, value);
            named++;
        }

        Assert.Equal(FailoverOptionCatalog.All.Count, named);
        Assert.Equal(NemesisCluster.Options, read);
        Assert.Contains("--health_check_interval_seconds", arguments);
        Assert.Equal("0.5", arguments[arguments.ToList().IndexOf("--health_check_interval_seconds") + 1]);
    }
}
