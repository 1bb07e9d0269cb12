namespace TaskFlow.Dashboard.Internal;

/// <summary>What a page renders: its navigation key, its title and the inside of <c>&lt;main&gt;</c> (all a live refresh replaces).</summary>
internal sealed record PageContent(string Key, string Title, string Main);
