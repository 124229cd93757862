using CacheFailoverMcp.Hosting;

// 1. Configuration: appsettings.json < environment (CACHEFAILOVER_* shortcuts) < command line.
//    --help and --version print to stdout and exit (no server, so no JSON-RPC there); an invalid
//    configuration stops here with every problem named on stderr.
var startup = await HostStartup.PrepareAsync(args, Console.Out, Console.Error);
if (startup.ExitCode is { } exitCode)
{
    return exitCode;
}

await using var topology = startup.Topology;
await using var logger = startup.Logger;

// 2. Host for the chosen transport (stdio or HTTP), logging through Serilog to stderr only: stdout is JSON-RPC.
var host = McpHost.Create(startup.Settings, logger);

// 3. Engine: primary and backups, each behind fault injection for live drills; started and stopped with the host.
host.Services.AddFailoverEngine(startup.Settings, startup.Provisioner, topology);

// 4. MCP server: read-only tools, mutating tools unless --read-only, argument checks, errors, audit.
host.AddTransport(host.Services.AddFailoverMcpServer(startup.Settings));

// 5. Run until stdin closes, SIGTERM or Ctrl+C.
return await host.RunAsync();
