using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace CacheFailover.Mcp.Registration;

/// <summary>Registers a tool class's tools as <see cref="DeferredTool"/>s: listed from the manifest, built on first call.</summary>
internal static class DeferredToolRegistration
{
    /// <summary>
    /// Like the SDK's <c>WithTools&lt;T&gt;(options)</c> (a tool per <see cref="McpServerToolAttribute"/>
    /// method, an instance of <typeparamref name="T"/> per call, resolved from the request's services),
    /// except that each tool is described from <paramref name="manifest"/> and built only when first called.
    /// </summary>
    public static IMcpServerBuilder WithDeferredTools<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.PublicConstructors)] T>(
        this IMcpServerBuilder builder, JsonSerializerOptions serializerOptions, ToolManifest manifest)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var method in typeof(T).GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<McpServerToolAttribute>() is not { Name: { } name })
            {
                continue;
            }

            builder.Services.AddSingleton<McpServerTool>(services => new DeferredTool(
                manifest.Get(name),
                () => McpServerTool.Create(
                    method,
                    static request => ActivatorUtilities.CreateInstance<T>(request.Services!),
                    new McpServerToolCreateOptions { Services = services, SerializerOptions = serializerOptions })));
        }

        return builder;
    }
}
