namespace CacheFailover.Mcp.Filters;

/// <summary>
/// A tool argument is out of range or otherwise unusable. The message names the argument, what was
/// wrong and what is allowed; the call filter answers it as an <c>isError</c> result.
/// </summary>
public sealed class ToolArgumentException : Exception
{
    public ToolArgumentException()
    {
    }

    public ToolArgumentException(string message)
        : base(message)
    {
    }

    public ToolArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The request cannot be carried out as asked (e.g. a live drill without <c>confirm</c>); nothing changed.</summary>
public sealed class ToolRefusedException : Exception
{
    public ToolRefusedException()
    {
    }

    public ToolRefusedException(string message)
        : base(message)
    {
    }

    public ToolRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
