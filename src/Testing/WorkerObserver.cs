using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace TaskFlow.Testing;

/// <summary>
/// Follows TaskFlow's telemetry in this process (its <c>ActivitySource</c>, <see cref="TaskFlowTelemetry.Name"/>) for the
/// harness with a real transport: the send spans of tracked sessions, and every process span's outcome.
/// </summary>
internal sealed class WorkerObserver : IDisposable
{
    /// <summary>The source of the sessions' own spans: each session is one trace, which its tasks' spans join.</summary>
    internal static readonly ActivitySource Source = new("TaskFlow.Testing");

    private const string MessageId = "messaging.message.id";
    private const string Outcome = "taskflow.task.outcome";
    private const string Attempt = "taskflow.task.attempt";

    private readonly TaskFlowTestHarness _harness;
    private readonly ActivityListener _listener;
    private readonly List<TrackedSession> _sessions = [];

    public WorkerObserver(TaskFlowTestHarness harness)
    {
        _harness = harness;
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name is TaskFlowTelemetry.Name or "TaskFlow.Testing",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public TrackedSession Start(int start)
    {
        var activity = Source.StartActivity("taskflow.testing.session", ActivityKind.Internal)
            ?? throw new InvalidOperationException("TaskFlow.Testing: the tracked session's activity was not created.");
        var session = new TrackedSession(_harness, start, this, activity);
        lock (_sessions)
        {
            _sessions.Add(session);
        }

        return session;
    }

    public void Remove(TrackedSession session)
    {
        lock (_sessions)
        {
            _sessions.Remove(session);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnStopped(Activity activity)
    {
        if (activity.Source.Name != TaskFlowTelemetry.Name || activity.GetTagItem(MessageId) is not string id)
        {
            return;
        }

        TrackedSession[] sessions;
        lock (_sessions)
        {
            sessions = _sessions.ToArray();
        }

        var inSession = false;
        if (activity.Kind == ActivityKind.Producer)
        {
            foreach (var session in sessions)
            {
                if (session.TraceId == activity.TraceId)
                {
                    session.SendSeen(id, activity.GetTagItem("taskflow.task.name") as string, failed: activity.Status == ActivityStatusCode.Error);
                }
            }
        }
        else if (activity.Kind == ActivityKind.Consumer && activity.GetTagItem(Outcome) is string outcome)
        {
            foreach (var session in sessions)
            {
                if (session.TraceId == activity.TraceId)
                {
                    inSession = true;
                    session.ProcessSeen(id, outcome);
                }
            }

            _harness.Observed(id, activity.GetTagItem(Attempt) is int attempt ? attempt : 1, outcome, inSession);
        }
    }
}
