using System.ComponentModel;
using System.Diagnostics;

namespace CacheFailover.Testing.Topologies;

/// <summary>Runs a helper program (openssl, redis-cli) to completion, killing it by PID when it overruns.</summary>
public static class ExternalTool
{
    /// <summary>Runs <paramref name="executable"/> and returns its standard output; a non-zero exit or an overrun throws with its output.</summary>
    public static async Task<string> RunAsync(string executable, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException($"{executable} is not installed ({exception.Message}); tests/require-redis.sh installs what the topology tests need.", exception);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var overrun = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(overrun.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            throw new InvalidOperationException($"{executable} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s. Output: {await stdout} {await stderr}");
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {output} {await stderr}");
        }

        return output;
    }
}
