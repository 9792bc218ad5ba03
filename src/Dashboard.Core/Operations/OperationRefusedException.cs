namespace Dashboard.Core.Operations;

/// <summary>An action that was refused, with nothing changed; the message is shown to the person who asked.</summary>
public sealed class OperationRefusedException(string message) : Exception(message);
