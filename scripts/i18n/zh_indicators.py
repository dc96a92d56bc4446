"""Chinese for the indicator catalogue's strings (issue 18): the follow-up's "solved?" answer
and the catalogue's labels."""

ZH = {
    "Is the problem solved?": "问题是否已解决？",
    "No": "否",
    "Yes": "是",
    "Response rate": "响应率",
    "Solved rate": "解决率",
    "Satisfaction rate": "满意率",
    "Cases registered": "立案数",
    "Close rate": "结案率",
    "On-time close rate": "按期结案率",
    "Dispatch accuracy": "派遣准确率",
    "On-time handling rate": "按期处置率",
    "Rework rate": "返工率",
    "Composite score": "综合指标",
}
