using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using TaskFlow.Analyzers;

namespace TaskFlow.CodeFixes;

/// <summary>
/// Fixes TF1001 and TF1008: changes the task parameter from the entity to its key (<c>User user</c> ->
/// <c>int userId</c>), replaces <c>user.Id</c> in the task body with <c>userId</c>, and passes the key at every call
/// site of the generated proxy (<c>DelayAsync(user)</c> -> <c>DelayAsync(user.Id)</c>) and of the method itself, in
/// every document of the solution that can see the task. Other uses of the entity in the task body are left for the
/// developer, under a TODO: that is where the task now loads the current entity.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseEntityKeyCodeFixProvider))]
[Shared]
public sealed class UseEntityKeyCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticIds.EntityParameter, DiagnosticIds.EntityPassedWhenEnqueueing);

    // Each fix rewrites the task's declaration and all its call sites across the solution; fixing all at once would
    // need to merge those, so there is no fix-all.
    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(EntityDetector.KeyPropertyName, out var keyName) || keyName is null)
            {
                continue;
            }

            var target = await FindTargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (target is null)
            {
                continue;
            }

            var (parameter, declaringDocument) = target.Value;
            var entity = (INamedTypeSymbol)parameter.Type;
            var key = FindProperty(entity, keyName);
            if (key is null)
            {
                continue;
            }

            var method = (IMethodSymbol)parameter.ContainingSymbol;
            var newName = UniqueName(EntityDetector.KeyParameterName(parameter.Name, entity, key), method);
            var title = "Pass the key '" + key.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + " " + newName + "' instead of the " + entity.Name;
            context.RegisterCodeFix(
                CodeAction.Create(title, cancellationToken => FixAsync(declaringDocument, parameter, key, newName, cancellationToken), equivalenceKey: nameof(UseEntityKeyCodeFixProvider)),
                diagnostic);
        }
    }

    /// <summary>The task parameter to change (declared in source in this solution) and its document.</summary>
    private static async Task<(IParameterSymbol Parameter, Document Document)?> FindTargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        IParameterSymbol? parameter;
        if (diagnostic.Id == DiagnosticIds.EntityParameter)
        {
            parameter = node.FirstAncestorOrSelf<ParameterSyntax>() is { } syntax ? model.GetDeclaredSymbol(syntax, cancellationToken) : null;
        }
        else
        {
            var symbols = TaskFlowSymbols.Create(model.Compilation);
            var argument = node.FirstAncestorOrSelf<ArgumentSyntax>();
            if (symbols is null || argument?.Parent?.Parent is not InvocationExpressionSyntax invocation
                || model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation)
            {
                return null;
            }

            var proxyParameter = operation.Arguments.FirstOrDefault(candidate => candidate.Syntax == argument)?.Parameter;
            var task = EnqueueProxy.FindTaskMethod(operation.TargetMethod, symbols);
            parameter = proxyParameter is null ? null : task?.Parameters.FirstOrDefault(candidate => candidate.Name == proxyParameter.Name);

            // Only when the task itself takes the entity: a task taking object or a base type would change meaning.
            var passed = operation.Arguments.First(candidate => candidate.Syntax == argument).Value;
            while (passed is IConversionOperation { IsImplicit: true } conversion)
            {
                passed = conversion.Operand;
            }

            if (parameter is not null && !SymbolEqualityComparer.Default.Equals(parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), passed.Type?.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
            {
                parameter = null;
            }
        }

        if (parameter?.Type is not INamedTypeSymbol || parameter.DeclaringSyntaxReferences.FirstOrDefault() is not { } reference)
        {
            return null;
        }

        var declaringDocument = document.Project.Solution.GetDocument(reference.SyntaxTree);
        return declaringDocument is null ? null : (parameter, declaringDocument);
    }

    private static async Task<Solution> FixAsync(Document declaringDocument, IParameterSymbol parameter, IPropertySymbol key, string newName, CancellationToken cancellationToken)
    {
        var solution = declaringDocument.Project.Solution;
        var method = (IMethodSymbol)parameter.ContainingSymbol;
        var methodId = method.GetDocumentationCommentId();
        var containerId = method.ContainingType.GetDocumentationCommentId();
        var nullable = parameter.Type.NullableAnnotation == NullableAnnotation.Annotated;
        var editors = new Dictionary<DocumentId, SyntaxEditor>();

        async Task<SyntaxEditor> EditorFor(Document document)
        {
            if (!editors.TryGetValue(document.Id, out var editor))
            {
                var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                editor = new SyntaxEditor(root!, solution.Services);
                editors.Add(document.Id, editor);
            }

            return editor;
        }

        // 1. The declaration and the task body.
        var declarationModel = await declaringDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var parameterSyntax = (ParameterSyntax)await parameter.DeclaringSyntaxReferences[0].GetSyntaxAsync(cancellationToken).ConfigureAwait(false);
        var declarationEditor = await EditorFor(declaringDocument).ConfigureAwait(false);
        var keyType = KeyTypeSyntax(key.Type, nullable, declarationModel!, parameterSyntax.SpanStart);
        declarationEditor.ReplaceNode(
            parameterSyntax,
            (current, _) => ((ParameterSyntax)current)
                .WithType(keyType.WithTriviaFrom(((ParameterSyntax)current).Type!))
                .WithIdentifier(SyntaxFactory.Identifier(newName).WithTriviaFrom(((ParameterSyntax)current).Identifier)));

        if (parameterSyntax.Parent?.Parent is BaseMethodDeclarationSyntax declaration)
        {
            var body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            var remaining = 0;
            foreach (var identifier in body?.DescendantNodes().OfType<IdentifierNameSyntax>() ?? Enumerable.Empty<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != parameter.Name
                    || !SymbolEqualityComparer.Default.Equals(declarationModel!.GetSymbolInfo(identifier, cancellationToken).Symbol, parameter))
                {
                    continue;
                }

                var keyAccess = KeyAccessAround(identifier, key.Name);
                if (keyAccess is not null)
                {
                    declarationEditor.ReplaceNode(keyAccess, (current, _) => SyntaxFactory.IdentifierName(newName).WithTriviaFrom(current));
                }
                else
                {
                    remaining++;
                }
            }

            if (remaining > 0 && body is not null)
            {
                var todo = SyntaxFactory.Comment(
                    "// TODO(" + DiagnosticIds.EntityParameter + "): '" + parameter.Name + "' is now its key '" + newName + "'; load the current " + parameter.Type.Name + " here.");
                if (declaration.Body is { Statements.Count: > 0 } block)
                {
                    var endOfLine = block.DescendantTrivia().FirstOrDefault(static trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia));
                    var newLine = endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine : SyntaxFactory.EndOfLine("\n");
                    declarationEditor.ReplaceNode(block.Statements[0], (current, _) =>
                    {
                        var indentation = current.GetLeadingTrivia().Where(static trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia));
                        return current.WithLeadingTrivia(current.GetLeadingTrivia().Add(todo).Add(newLine).AddRange(indentation));
                    });
                }
            }
        }

        // 2. Every call site, in the declaring project and the projects that depend on it.
        var projects = solution.GetProjectDependencyGraph().GetProjectsThatTransitivelyDependOnThisProject(declaringDocument.Project.Id).Prepend(declaringDocument.Project.Id);
        foreach (var projectId in projects)
        {
            var project = solution.GetProject(projectId);
            foreach (var document in project?.Documents ?? Enumerable.Empty<Document>())
            {
                var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root is null || IsGenerated(document, root))
                {
                    continue;
                }

                var candidates = root.DescendantNodes().OfType<InvocationExpressionSyntax>()
                    .Where(invocation => InvokedName(invocation) is { } name && (name == EnqueueProxy.DelayAsync || name == EnqueueProxy.ApplyAsync || name == method.Name))
                    .ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                foreach (var invocation in candidates)
                {
                    if (model!.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation || !Sends(operation.TargetMethod, method.Name, methodId, containerId))
                    {
                        continue;
                    }

                    var argument = operation.Arguments.FirstOrDefault(candidate => candidate.ArgumentKind == ArgumentKind.Explicit && candidate.Parameter?.Name == parameter.Name);
                    if (argument?.Syntax is not ArgumentSyntax argumentSyntax)
                    {
                        continue;
                    }

                    var passedNullable = nullable || argument.Value is IConversionOperation { Operand.Type.NullableAnnotation: NullableAnnotation.Annotated }
                        || argument.Value.Type?.NullableAnnotation == NullableAnnotation.Annotated;
                    var editor = await EditorFor(document).ConfigureAwait(false);
                    editor.ReplaceNode(argumentSyntax, (current, _) =>
                    {
                        var currentArgument = (ArgumentSyntax)current;
                        var updated = currentArgument.WithExpression(AccessKey(currentArgument.Expression, key.Name, passedNullable && nullable));
                        return currentArgument.NameColon is { } nameColon
                            ? updated.WithNameColon(nameColon.WithName(SyntaxFactory.IdentifierName(newName).WithTriviaFrom(nameColon.Name)))
                            : updated;
                    });
                }
            }
        }

        foreach (var pair in editors)
        {
            solution = solution.WithDocumentSyntaxRoot(pair.Key, pair.Value.GetChangedRoot());
        }

        return solution;
    }

    /// <summary>Whether <paramref name="target"/> is the task method itself or a proxy method that sends it.</summary>
    private static bool Sends(IMethodSymbol target, string taskName, string? methodId, string? containerId)
    {
        if (target.OriginalDefinition.GetDocumentationCommentId() == methodId)
        {
            return true;
        }

        return target.Name is EnqueueProxy.DelayAsync or EnqueueProxy.ApplyAsync
            && target.ContainingType is { TypeKind: TypeKind.Struct } proxy
            && proxy.Name == taskName + "Proxy"
            && proxy.ContainingType is { Name: "Client", ContainingType: { } container }
            && container.GetDocumentationCommentId() == containerId;
    }

    /// <summary><c>user.Id</c> or <c>user?.Id</c> around a reference to the parameter, when it reads the key.</summary>
    private static ExpressionSyntax? KeyAccessAround(IdentifierNameSyntax identifier, string keyName)
    {
        if (identifier.Parent is MemberAccessExpressionSyntax member && member.Expression == identifier && member.Name.Identifier.ValueText == keyName)
        {
            return member;
        }

        if (identifier.Parent is ConditionalAccessExpressionSyntax conditional && conditional.Expression == identifier
            && conditional.WhenNotNull is MemberBindingExpressionSyntax binding && binding.Name.Identifier.ValueText == keyName)
        {
            return conditional;
        }

        return null;
    }

    private static ExpressionSyntax AccessKey(ExpressionSyntax expression, string keyName, bool conditional)
    {
        var receiver = expression.WithoutTrivia();
        if (receiver is not (IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax
            or ParenthesizedExpressionSyntax or ThisExpressionSyntax or GenericNameSyntax or PostfixUnaryExpressionSyntax))
        {
            receiver = SyntaxFactory.ParenthesizedExpression(receiver);
        }

        ExpressionSyntax access = conditional
            ? SyntaxFactory.ConditionalAccessExpression(receiver, SyntaxFactory.MemberBindingExpression(SyntaxFactory.IdentifierName(keyName)))
            : SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName(keyName));
        return access.WithTriviaFrom(expression);
    }

    private static TypeSyntax KeyTypeSyntax(ITypeSymbol keyType, bool nullable, SemanticModel model, int position)
    {
        ITypeSymbol type = keyType;
        if (nullable)
        {
            type = keyType.IsValueType
                ? keyType.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? keyType : model.Compilation.GetSpecialType(SpecialType.System_Nullable_T).Construct(keyType)
                : keyType.WithNullableAnnotation(NullableAnnotation.Annotated);
        }

        return SyntaxFactory.ParseTypeName(type.ToMinimalDisplayString(model, position));
    }

    private static IPropertySymbol? FindProperty(INamedTypeSymbol type, string name)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            var property = current.GetMembers(name).OfType<IPropertySymbol>().FirstOrDefault();
            if (property is not null)
            {
                return property;
            }
        }

        return null;
    }

    private static string UniqueName(string name, IMethodSymbol method)
    {
        var candidate = name;
        for (var i = 2; method.Parameters.Any(parameter => parameter.Name == candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private static string? InvokedName(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };

    /// <summary>Generated code is never edited: the generator rewrites the proxies from the new signature.</summary>
    internal static bool IsGenerated(Document document, SyntaxNode root)
    {
        var name = document.Name;
        if (name.EndsWith(".g.cs", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".generated.cs", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".designer.cs", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return root.GetLeadingTrivia().Any(static trivia => trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && trivia.ToString().Contains("<auto-generated"));
    }
}
