using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskFlow.Analyzers;

namespace TaskFlow.CodeFixes;

/// <summary>
/// Fixes TF1003 (<c>tasks.X.DelayAsync(id);</c> or <c>_ = tasks.X.DelayAsync(id);</c> -> <c>await tasks.X.DelayAsync(id);</c>)
/// and TF1012 (<c>context.Retry(...);</c> -> <c>throw context.Retry(...);</c>). The await fix is offered inside async
/// methods, lambdas and local functions only.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitOrThrowCodeFixProvider))]
[Shared]
public sealed class AwaitOrThrowCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.EnqueueNotAwaited, DiagnosticIds.RetryNotThrown);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var invocation = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var statement = invocation?.FirstAncestorOrSelf<ExpressionStatementSyntax>();
            if (invocation is null || statement is null)
            {
                continue;
            }

            // The value that is dropped: the statement's expression, or the right side of '_ = ...'.
            var value = statement.Expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } discard ? discard.Right : statement.Expression;
            if (!value.Span.Contains(invocation.Span))
            {
                continue;
            }

            if (diagnostic.Id == DiagnosticIds.RetryNotThrown)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Throw the retry",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(
                            statement,
                            SyntaxFactory.ThrowStatement(value.WithoutTrivia()).WithTriviaFrom(statement)))),
                        equivalenceKey: "ThrowRetry"),
                    diagnostic);
            }
            else if (IsInAsyncFunction(statement))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Await the enqueue",
                        _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(
                            statement,
                            SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(value.WithoutTrivia())).WithTriviaFrom(statement)))),
                        equivalenceKey: "AwaitEnqueue"),
                    diagnostic);
            }
        }
    }

    private static bool IsInAsyncFunction(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }
}
