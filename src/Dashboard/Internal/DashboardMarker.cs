namespace TaskFlow.Dashboard.Internal;

/// <summary>Registered by <c>AddTaskFlowDashboard</c>, so that <c>MapTaskFlowDashboard</c> can say when it is missing.</summary>
internal sealed class DashboardMarker;
