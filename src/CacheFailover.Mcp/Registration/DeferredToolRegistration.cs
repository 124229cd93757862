using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
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

            builder.Services.AddSingleton<McpServerTool>(services =>
            {
                var description = manifest.Get(name);
                return new DeferredTool(description, () => Build<T>(method, description, services, serializerOptions));
            });
        }

        return builder;
    }

    /// <summary>
    /// The SDK's tool for <paramref name="method"/>, bound the way <c>McpServerTool.Create(method, …)</c>
    /// binds it, but over a function built without a schema of its result: the client only ever sees
    /// <paramref name="description"/>'s schemas, and exporting the result type's schema again (a large
    /// nested record for the status tool) was most of the first call's allocations, about 4 MiB of a
    /// Native AOT server's peak resident set.
    /// </summary>
    private static McpServerTool Build<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] T>(MethodInfo method, Tool description, IServiceProvider services, JsonSerializerOptions serializerOptions)
        where T : class
    {
        var isService = services.GetService<IServiceProviderIsService>();
        var function = AIFunctionFactory.Create(
            method,
            static arguments => ActivatorUtilities.CreateInstance<T>(arguments.Services!),
            new AIFunctionFactoryOptions
            {
                Name = description.Name,
                SerializerOptions = serializerOptions,
                ExcludeResultSchema = true,
                // The result is passed on as it is: the SDK's tool serializes it (text and structured content).
                MarshalResult = static (result, _, _) => new ValueTask<object?>(result),
                ConfigureParameterBinding = parameter => FromRequestServices(parameter.ParameterType, isService)
                    ? new AIFunctionFactoryOptions.ParameterBindingOptions { ExcludeFromSchema = true, BindParameter = BindFromServices }
                    : default,
            });

        // The recorded output schema: structured content is returned exactly when the client was told of one.
        return McpServerTool.Create(function, new McpServerToolCreateOptions
        {
            Services = services,
            SerializerOptions = serializerOptions,
            UseStructuredContent = description.OutputSchema is not null,
            OutputSchema = description.OutputSchema,
        });
    }

    /// <summary>
    /// Parameters the SDK fills from the request rather than from the call's arguments: what its request
    /// services add (the request, the server, progress, the caller) and anything registered as a service.
    /// </summary>
    private static bool FromRequestServices(Type type, IServiceProviderIsService? isService) =>
        type == typeof(RequestContext<CallToolRequestParams>)
        || type == typeof(McpServer)
        || type == typeof(IProgress<ProgressNotificationValue>)
        || type == typeof(ClaimsPrincipal)
        || isService?.IsService(type) is true;

    private static object? BindFromServices(ParameterInfo parameter, AIFunctionArguments arguments) =>
        arguments.Services?.GetService(parameter.ParameterType)
        ?? (parameter.HasDefaultValue ? null : throw new ArgumentException($"No service of type {parameter.ParameterType.Name} is available for the parameter '{parameter.Name}'."));
}
