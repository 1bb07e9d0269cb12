using System;
using System.Collections.Generic;
using System.Reflection;
using Shouldly;
using Xunit;

namespace TaskFlow.Runtime.Tests;

/// <summary>The <see cref="SendOptions"/> copy constructor, which the generated proxies use to fill in what a task declares.</summary>
public sealed class TaskOptionsTests
{
    [Fact]
    public void The_copy_constructor_copies_every_property()
    {
        var original = new SendOptions
        {
            TaskId = "task-1",
            Queue = "notes",
            Countdown = TimeSpan.FromSeconds(5),
            Eta = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ExpiresIn = TimeSpan.FromMinutes(10),
            ExpiresAt = new DateTimeOffset(2030, 1, 3, 0, 0, 0, TimeSpan.Zero),
            Priority = 4,
            SoftTimeLimit = TimeSpan.FromSeconds(30),
            TimeLimit = TimeSpan.FromSeconds(60),
            Headers = new Dictionary<string, object?> { ["tenant"] = "acme" },
            ParentId = "parent-1",
            EntityKey = "note:42",
            ConcurrencyKey = "tenant:7",
            RateLimitKey = "tenant:7:api",
            IgnoreResult = true,
            RootId = "root-1",
            UniqueKey = "copy:42",
            UniqueFor = TimeSpan.FromMinutes(5),
            UniqueScope = UniqueScope.WhilePending,
            OrderKey = "account:7",
        };

        var copy = new SendOptions(original) { Queue = "other" };

        foreach (var property in typeof(SendOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // A property added to SendOptions must be set above (and copied by the constructor).
            property.GetValue(original).ShouldNotBeNull($"set {property.Name} in this test");
            if (property.Name != nameof(SendOptions.Queue))
            {
                property.GetValue(copy).ShouldBe(property.GetValue(original), property.Name);
            }
        }

        copy.Queue.ShouldBe("other");
        original.Queue.ShouldBe("notes");
        Should.Throw<ArgumentNullException>(() => new SendOptions(null!));
    }
}
