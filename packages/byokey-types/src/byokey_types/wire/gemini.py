"""Gemini native ``generateContent`` and the Code Assist envelope around it."""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

__all__ = [
    "Candidate",
    "CloudCodeRequest",
    "CloudCodeResponse",
    "Content",
    "FunctionDeclaration",
    "GenerateContentRequest",
    "GenerateContentResponse",
    "GenerationConfig",
    "Part",
    "ThinkingConfig",
    "Tool",
    "UsageMetadata",
]


class Blob(TypedDict):
    mimeType: str
    data: str


class FileData(TypedDict, total=False):
    mimeType: str
    fileUri: Required[str]


class FunctionCall(TypedDict, total=False):
    name: Required[str]
    args: dict[str, Any]
    id: str


class FunctionResponse(TypedDict, total=False):
    name: Required[str]
    response: dict[str, Any]
    id: str


class Part(TypedDict, total=False):
    text: str
    thought: bool
    thoughtSignature: str
    inlineData: Blob
    fileData: FileData
    functionCall: FunctionCall
    functionResponse: FunctionResponse


class Content(TypedDict, total=False):
    role: Literal["user", "model", "function"]
    parts: Required[list[Part]]


class FunctionDeclaration(TypedDict, total=False):
    name: Required[str]
    description: str
    parameters: dict[str, Any]
    parametersJsonSchema: dict[str, Any]


class Tool(TypedDict, total=False):
    functionDeclarations: list[FunctionDeclaration]
    googleSearch: dict[str, Any]
    codeExecution: dict[str, Any]


class ThinkingConfig(TypedDict, total=False):
    thinkingBudget: int
    thinkingLevel: str
    includeThoughts: bool


class GenerationConfig(TypedDict, total=False):
    temperature: float
    topP: float
    topK: int
    maxOutputTokens: int
    stopSequences: list[str]
    candidateCount: int
    responseMimeType: str
    responseSchema: dict[str, Any]
    responseJsonSchema: dict[str, Any]
    thinkingConfig: ThinkingConfig


class ToolConfig(TypedDict, total=False):
    functionCallingConfig: dict[str, Any]
    """``{"mode": "AUTO"|"ANY"|"NONE", "allowedFunctionNames": [...]}``."""


class GenerateContentRequest(TypedDict, total=False):
    contents: Required[list[Content]]
    systemInstruction: Content
    tools: list[Tool]
    toolConfig: ToolConfig
    generationConfig: GenerationConfig
    safetySettings: list[dict[str, Any]]
    cachedContent: str


class UsageMetadata(TypedDict, total=False):
    promptTokenCount: int
    candidatesTokenCount: int
    totalTokenCount: int
    cachedContentTokenCount: int
    thoughtsTokenCount: int


class Candidate(TypedDict, total=False):
    content: Content
    finishReason: str
    """``STOP``, ``MAX_TOKENS``, ``SAFETY``, ``RECITATION``, ``MALFORMED_FUNCTION_CALL`` …"""
    index: int
    safetyRatings: list[dict[str, Any]]


class GenerateContentResponse(TypedDict, total=False):
    candidates: list[Candidate]
    usageMetadata: UsageMetadata
    modelVersion: str
    responseId: str
    promptFeedback: dict[str, Any]


class CloudCodeRequest(TypedDict, total=False):
    """The Code Assist envelope: the native request nested under ``request``."""

    model: Required[str]
    project: str
    user_prompt_id: str
    requestId: str
    userAgent: str
    requestType: str
    request: Required[GenerateContentRequest]


class CloudCodeResponse(TypedDict, total=False):
    response: Required[GenerateContentResponse]
    traceId: str
