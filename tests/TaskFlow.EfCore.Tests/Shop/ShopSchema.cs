namespace TaskFlow.EfCore.Tests.Shop;

/// <summary>The schema a test's <see cref="ShopDb"/> uses (one per test, so that tests running at once never meet).</summary>
public sealed record ShopSchema(string Name);
