using Microsoft.Extensions.Configuration;

namespace CacheFailover.Configuration;

/// <summary>The section <c>AddCacheFailover(IConfiguration)</c> was given, for everything registered over the engine.</summary>
public sealed class CacheFailoverConfigurationSource(IConfiguration section)
{
    /// <summary>The section as given (live: read it when needed, not at registration).</summary>
    public IConfiguration Section { get; } = section ?? throw new ArgumentNullException(nameof(section));

    /// <summary>Reads the section; throws <see cref="CacheFailoverConfigurationException"/> listing every problem.</summary>
    public CacheFailoverSettings ReadValidated()
    {
        var problems = new List<string>();
        var settings = CacheFailoverSectionReader.Read(Section, problems);
        return problems.Count > 0 ? throw new CacheFailoverConfigurationException(problems) : settings;
    }
}
