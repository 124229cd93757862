// The tools, filters, audit and registration moved from the executable into CacheFailover.Mcp;
// the tests of both keep reaching them without a using per file.
global using CacheFailover.Mcp;
global using CacheFailover.Mcp.Audit;
global using CacheFailover.Mcp.Filters;
global using CacheFailover.Mcp.Registration;
