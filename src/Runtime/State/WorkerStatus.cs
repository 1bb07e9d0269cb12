namespace TaskFlow.State;

/// <summary>What the store can tell of a worker (<see cref="WorkerInfo.Status"/>).</summary>
public enum WorkerStatus
{
    /// <summary>Heartbeats arrive.</summary>
    Running,

    /// <summary>It stopped gracefully.</summary>
    Stopped,

    /// <summary>No heartbeat for three intervals and no graceful stop: killed, crashed or cut off from the database.</summary>
    Lost,
}
