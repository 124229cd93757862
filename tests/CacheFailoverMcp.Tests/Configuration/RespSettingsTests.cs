using System.Net;
using CacheFailoverMcp.Configuration;

namespace CacheFailoverMcp.Tests.Configuration;

/// <summary>--resp and its password follow the HTTP token rule: loopback without, anything else only with a password of 16+ characters.</summary>
public sealed class RespSettingsTests
{
    private const string Password = "0123456789abcdef-resp";

    private static SettingsLoadResult Load(string[] args, Dictionary<string, string>? environment = null)
        => HostSettingsLoader.Load(args, environment ?? [], null);

    [Fact]
    public void Load_NoResp_LeavesTheFrontDoorOff()
    {
        Assert.Null(Load([]).Settings.Resp);
    }

    [Theory]
    [InlineData("127.0.0.1:6380", "127.0.0.1:6380")]
    [InlineData("localhost:0", "127.0.0.1:0")]
    [InlineData("[::1]:7000", "[::1]:7000")]
    public void Load_LoopbackResp_NeedsNoPassword(string given, string expected)
    {
        var result = Load(["--resp", given]);

        Assert.Empty(result.Problems);
        Assert.Equal(IPEndPoint.Parse(expected), result.Settings.Resp);
    }

    [Fact]
    public void Load_RespFromEnvironment_WithPassword_BindsEveryAddress()
    {
        var result = Load([], new() { ["CACHEFAILOVER_RESP"] = "0.0.0.0:6380", ["CACHEFAILOVER_RESP_PASSWORD"] = Password });

        Assert.Empty(result.Problems);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 6380), result.Settings.Resp);
        Assert.Equal(Password, result.Settings.RespPassword);
    }

    [Fact]
    public void Load_NonLoopbackRespWithoutPassword_IsRefusedLikeHttp()
    {
        var result = Load(["--resp", "0.0.0.0:6380"]);

        Assert.Equal(
            ["--resp 0.0.0.0:6380 is not a loopback address, so Redis clients must authenticate: set a password with CACHEFAILOVER_RESP_PASSWORD or --resp-password-file PATH (at least 16 characters; --resp-password also works but is visible in ps), or bind 127.0.0.1."],
            result.Problems);
    }

    [Fact]
    public void Load_ShortPassword_IsRefusedWithoutShowingIt()
    {
        var result = Load(["--resp", "127.0.0.1:6380", "--resp-password", "hunter2"]);

        Assert.Equal(["the RESP password is too short (7 characters): use at least 16 random characters."], result.Problems);
        Assert.DoesNotContain("hunter2", string.Join(" ", result.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PasswordFile_IsRead()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Password + "\n");
            var result = Load(["--resp", "127.0.0.1:6380", "--resp-password-file", file]);

            Assert.Empty(result.Problems);
            Assert.Equal(Password, result.Settings.RespPassword);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("6380")]
    [InlineData("cache.example.com:6380")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:port")]
    public void Load_NotHostPort_SaysWhatIsAllowed(string given)
    {
        var problem = Assert.Single(Load(["--resp", given]).Problems);

        Assert.EndsWith("is not HOST:PORT: give an IP address (IPv6 in brackets), localhost or * and a port from 0 to 65535, e.g. 127.0.0.1:6380.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PasswordWithoutResp_IsAProblem()
    {
        var problem = Assert.Single(Load(["--resp-password", Password]).Problems);

        Assert.StartsWith("a RESP password is set but the front door is off", problem, StringComparison.Ordinal);
    }
}
