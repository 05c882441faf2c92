// The glyph tables of the UI Kit icon rows (glyphs.jsx): every name @forge/react 11 types as
// Icon's glyph (IconNext in @atlaskit/forge-react-types' IconProps: all are @atlaskit/icon/core
// icons of the same name) and every AtlassianIcon/AtlassianTile glyph (@atlaskit/object's
// objects and tiles). Written by tools/gen-uikit-glyphs.mjs; a name not here is not drawn.
// @atlaskit/icon's core icons are CommonJS files and ui/ is "type": "module", so esbuild
// imports them as Node does (the default import is module.exports): cjsDefault() takes
// their `default`.

import I_add from '@atlaskit/icon/core/add';
import I_appSwitcher from '@atlaskit/icon/core/app-switcher';
import I_arrowDown from '@atlaskit/icon/core/arrow-down';
import I_arrowLeft from '@atlaskit/icon/core/arrow-left';
import I_arrowRight from '@atlaskit/icon/core/arrow-right';
import I_arrowUp from '@atlaskit/icon/core/arrow-up';
import I_attachment from '@atlaskit/icon/core/attachment';
import I_audio from '@atlaskit/icon/core/audio';
import I_backlog from '@atlaskit/icon/core/backlog';
import I_board from '@atlaskit/icon/core/board';
import I_calendar from '@atlaskit/icon/core/calendar';
import I_camera from '@atlaskit/icon/core/camera';
import I_checkboxIndeterminate from '@atlaskit/icon/core/checkbox-indeterminate';
import I_chevronDown from '@atlaskit/icon/core/chevron-down';
import I_chevronLeft from '@atlaskit/icon/core/chevron-left';
import I_chevronRight from '@atlaskit/icon/core/chevron-right';
import I_chevronUp from '@atlaskit/icon/core/chevron-up';
import I_comment from '@atlaskit/icon/core/comment';
import I_component from '@atlaskit/icon/core/component';
import I_copy from '@atlaskit/icon/core/copy';
import I_crossCircle from '@atlaskit/icon/core/cross-circle';
import I_cross from '@atlaskit/icon/core/cross';
import I_dashboard from '@atlaskit/icon/core/dashboard';
import I_decision from '@atlaskit/icon/core/decision';
import I_department from '@atlaskit/icon/core/department';
import I_download from '@atlaskit/icon/core/download';
import I_edit from '@atlaskit/icon/core/edit';
import I_email from '@atlaskit/icon/core/email';
import I_emojiAdd from '@atlaskit/icon/core/emoji-add';
import I_emoji from '@atlaskit/icon/core/emoji';
import I_feedback from '@atlaskit/icon/core/feedback';
import I_file from '@atlaskit/icon/core/file';
import I_filter from '@atlaskit/icon/core/filter';
import I_flagFilled from '@atlaskit/icon/core/flag-filled';
import I_home from '@atlaskit/icon/core/home';
import I_image from '@atlaskit/icon/core/image';
import I_lightbulb from '@atlaskit/icon/core/lightbulb';
import I_link from '@atlaskit/icon/core/link';
import I_location from '@atlaskit/icon/core/location';
import I_marketplace from '@atlaskit/icon/core/marketplace';
import I_menu from '@atlaskit/icon/core/menu';
import I_notification from '@atlaskit/icon/core/notification';
import I_officeBuilding from '@atlaskit/icon/core/office-building';
import I_page from '@atlaskit/icon/core/page';
import I_peopleGroup from '@atlaskit/icon/core/people-group';
import I_person from '@atlaskit/icon/core/person';
import I_premium from '@atlaskit/icon/core/premium';
import I_questionCircle from '@atlaskit/icon/core/question-circle';
import I_redo from '@atlaskit/icon/core/redo';
import I_refresh from '@atlaskit/icon/core/refresh';
import I_retry from '@atlaskit/icon/core/retry';
import I_roadmap from '@atlaskit/icon/core/roadmap';
import I_screen from '@atlaskit/icon/core/screen';
import I_search from '@atlaskit/icon/core/search';
import I_send from '@atlaskit/icon/core/send';
import I_settings from '@atlaskit/icon/core/settings';
import I_share from '@atlaskit/icon/core/share';
import I_sprint from '@atlaskit/icon/core/sprint';
import I_stopwatch from '@atlaskit/icon/core/stopwatch';
import I_task from '@atlaskit/icon/core/task';
import I_teams from '@atlaskit/icon/core/teams';
import I_undo from '@atlaskit/icon/core/undo';
import I_accessibility from '@atlaskit/icon/core/accessibility';
import I_aiAgent from '@atlaskit/icon/core/ai-agent';
import I_aiChat from '@atlaskit/icon/core/ai-chat';
import I_aiGenerativeTextSummary from '@atlaskit/icon/core/ai-generative-text-summary';
import I_alert from '@atlaskit/icon/core/alert';
import I_alignImageCenter from '@atlaskit/icon/core/align-image-center';
import I_alignImageLeft from '@atlaskit/icon/core/align-image-left';
import I_alignImageRight from '@atlaskit/icon/core/align-image-right';
import I_alignTextCenter from '@atlaskit/icon/core/align-text-center';
import I_alignTextLeft from '@atlaskit/icon/core/align-text-left';
import I_alignTextRight from '@atlaskit/icon/core/align-text-right';
import I_angleBrackets from '@atlaskit/icon/core/angle-brackets';
import I_api from '@atlaskit/icon/core/api';
import I_app from '@atlaskit/icon/core/app';
import I_appSwitcherLegacy from '@atlaskit/icon/core/app-switcher-legacy';
import I_apps from '@atlaskit/icon/core/apps';
import I_archiveBox from '@atlaskit/icon/core/archive-box';
import I_arrowDownLeft from '@atlaskit/icon/core/arrow-down-left';
import I_arrowDownRight from '@atlaskit/icon/core/arrow-down-right';
import I_arrowUpLeft from '@atlaskit/icon/core/arrow-up-left';
import I_arrowUpRight from '@atlaskit/icon/core/arrow-up-right';
import I_assets from '@atlaskit/icon/core/assets';
import I_atlassianIntelligence from '@atlaskit/icon/core/atlassian-intelligence';
import I_automation from '@atlaskit/icon/core/automation';
import I_basketball from '@atlaskit/icon/core/basketball';
import I_boards from '@atlaskit/icon/core/boards';
import I_bookWithBookmark from '@atlaskit/icon/core/book-with-bookmark';
import I_border from '@atlaskit/icon/core/border';
import I_branch from '@atlaskit/icon/core/branch';
import I_briefcase from '@atlaskit/icon/core/briefcase';
import I_bug from '@atlaskit/icon/core/bug';
import I_calendarPlus from '@atlaskit/icon/core/calendar-plus';
import I_capture from '@atlaskit/icon/core/capture';
import I_card from '@atlaskit/icon/core/card';
import I_cash from '@atlaskit/icon/core/cash';
import I_changes from '@atlaskit/icon/core/changes';
import I_chartBar from '@atlaskit/icon/core/chart-bar';
import I_chartBubble from '@atlaskit/icon/core/chart-bubble';
import I_chartMatrix from '@atlaskit/icon/core/chart-matrix';
import I_chartPie from '@atlaskit/icon/core/chart-pie';
import I_chartTrend from '@atlaskit/icon/core/chart-trend';
import I_chartTrendDown from '@atlaskit/icon/core/chart-trend-down';
import I_chartTrendUp from '@atlaskit/icon/core/chart-trend-up';
import I_chatWidget from '@atlaskit/icon/core/chat-widget';
import I_checkCircleUnchecked from '@atlaskit/icon/core/check-circle-unchecked';
import I_checkMark from '@atlaskit/icon/core/check-mark';
import I_checkboxChecked from '@atlaskit/icon/core/checkbox-checked';
import I_checkboxUnchecked from '@atlaskit/icon/core/checkbox-unchecked';
import I_chevronDoubleLeft from '@atlaskit/icon/core/chevron-double-left';
import I_chevronDoubleRight from '@atlaskit/icon/core/chevron-double-right';
import I_childWorkItems from '@atlaskit/icon/core/child-work-items';
import I_clipboard from '@atlaskit/icon/core/clipboard';
import I_clock from '@atlaskit/icon/core/clock';
import I_close from '@atlaskit/icon/core/close';
import I_cloudArrowUp from '@atlaskit/icon/core/cloud-arrow-up';
import I_collapseHorizontal from '@atlaskit/icon/core/collapse-horizontal';
import I_collapseVertical from '@atlaskit/icon/core/collapse-vertical';
import I_commentAdd from '@atlaskit/icon/core/comment-add';
import I_commit from '@atlaskit/icon/core/commit';
import I_compass from '@atlaskit/icon/core/compass';
import I_contentWidthNarrow from '@atlaskit/icon/core/content-width-narrow';
import I_contentWidthWide from '@atlaskit/icon/core/content-width-wide';
import I_contentWrapLeft from '@atlaskit/icon/core/content-wrap-left';
import I_contentWrapRight from '@atlaskit/icon/core/content-wrap-right';
import I_creditCard from '@atlaskit/icon/core/credit-card';
import I_curlyBrackets from '@atlaskit/icon/core/curly-brackets';
import I_customize from '@atlaskit/icon/core/customize';
import I_dataFlow from '@atlaskit/icon/core/data-flow';
import I_dataNumber from '@atlaskit/icon/core/data-number';
import I_dataString from '@atlaskit/icon/core/data-string';
import I_database from '@atlaskit/icon/core/database';
import I_defect from '@atlaskit/icon/core/defect';
import I_delete from '@atlaskit/icon/core/delete';
import I_deviceMobile from '@atlaskit/icon/core/device-mobile';
import I_devices from '@atlaskit/icon/core/devices';
import I_discovery from '@atlaskit/icon/core/discovery';
import I_dragHandleHorizontal from '@atlaskit/icon/core/drag-handle-horizontal';
import I_dragHandleVertical from '@atlaskit/icon/core/drag-handle-vertical';
import I_editBulk from '@atlaskit/icon/core/edit-bulk';
import I_emojiCasual from '@atlaskit/icon/core/emoji-casual';
import I_emojiNeutral from '@atlaskit/icon/core/emoji-neutral';
import I_emojiRemove from '@atlaskit/icon/core/emoji-remove';
import I_epic from '@atlaskit/icon/core/epic';
import I_exclamationSquare from '@atlaskit/icon/core/exclamation-square';
import I_expandHorizontal from '@atlaskit/icon/core/expand-horizontal';
import I_expandVertical from '@atlaskit/icon/core/expand-vertical';
import I_eyeOpen from '@atlaskit/icon/core/eye-open';
import I_eyeOpenFilled from '@atlaskit/icon/core/eye-open-filled';
import I_eyeOpenStrikethrough from '@atlaskit/icon/core/eye-open-strikethrough';
import I_feed from '@atlaskit/icon/core/feed';
import I_field from '@atlaskit/icon/core/field';
import I_fieldAlert from '@atlaskit/icon/core/field-alert';
import I_fieldCheckboxGroup from '@atlaskit/icon/core/field-checkbox-group';
import I_fieldDropdown from '@atlaskit/icon/core/field-dropdown';
import I_fieldRadioGroup from '@atlaskit/icon/core/field-radio-group';
import I_files from '@atlaskit/icon/core/files';
import I_flag from '@atlaskit/icon/core/flag';
import I_flask from '@atlaskit/icon/core/flask';
import I_focusArea from '@atlaskit/icon/core/focus-area';
import I_folderClosed from '@atlaskit/icon/core/folder-closed';
import I_folderOpen from '@atlaskit/icon/core/folder-open';
import I_form from '@atlaskit/icon/core/form';
import I_fullscreenEnter from '@atlaskit/icon/core/fullscreen-enter';
import I_fullscreenExit from '@atlaskit/icon/core/fullscreen-exit';
import I_glasses from '@atlaskit/icon/core/glasses';
import I_globe from '@atlaskit/icon/core/globe';
import I_goal from '@atlaskit/icon/core/goal';
import I_grid from '@atlaskit/icon/core/grid';
import I_growDiagonal from '@atlaskit/icon/core/grow-diagonal';
import I_growHorizontal from '@atlaskit/icon/core/grow-horizontal';
import I_growVertical from '@atlaskit/icon/core/grow-vertical';
import I_hashtag from '@atlaskit/icon/core/hashtag';
import I_headphones from '@atlaskit/icon/core/headphones';
import I_heart from '@atlaskit/icon/core/heart';
import I_highlight from '@atlaskit/icon/core/highlight';
import I_imageFullscreen from '@atlaskit/icon/core/image-fullscreen';
import I_imageInline from '@atlaskit/icon/core/image-inline';
import I_imageScaled from '@atlaskit/icon/core/image-scaled';
import I_inbox from '@atlaskit/icon/core/inbox';
import I_incident from '@atlaskit/icon/core/incident';
import I_information from '@atlaskit/icon/core/information';
import I_informationCircle from '@atlaskit/icon/core/information-circle';
import I_keyResult from '@atlaskit/icon/core/key-result';
import I_layoutOneColumn from '@atlaskit/icon/core/layout-one-column';
import I_layoutThreeColumns from '@atlaskit/icon/core/layout-three-columns';
import I_layoutThreeColumnsSidebars from '@atlaskit/icon/core/layout-three-columns-sidebars';
import I_layoutTwoColumns from '@atlaskit/icon/core/layout-two-columns';
import I_layoutTwoColumnsSidebarLeft from '@atlaskit/icon/core/layout-two-columns-sidebar-left';
import I_layoutTwoColumnsSidebarRight from '@atlaskit/icon/core/layout-two-columns-sidebar-right';
import I_library from '@atlaskit/icon/core/library';
import I_linkBroken from '@atlaskit/icon/core/link-broken';
import I_linkExternal from '@atlaskit/icon/core/link-external';
import I_listBulleted from '@atlaskit/icon/core/list-bulleted';
import I_listChecklist from '@atlaskit/icon/core/list-checklist';
import I_listNumbered from '@atlaskit/icon/core/list-numbered';
import I_lobbyBell from '@atlaskit/icon/core/lobby-bell';
import I_lockLocked from '@atlaskit/icon/core/lock-locked';
import I_lockUnlocked from '@atlaskit/icon/core/lock-unlocked';
import I_logIn from '@atlaskit/icon/core/log-in';
import I_logOut from '@atlaskit/icon/core/log-out';
import I_magicWand from '@atlaskit/icon/core/magic-wand';
import I_markdown from '@atlaskit/icon/core/markdown';
import I_maximize from '@atlaskit/icon/core/maximize';
import I_megaphone from '@atlaskit/icon/core/megaphone';
import I_mergeFailure from '@atlaskit/icon/core/merge-failure';
import I_mergeSuccess from '@atlaskit/icon/core/merge-success';
import I_microphone from '@atlaskit/icon/core/microphone';
import I_minimize from '@atlaskit/icon/core/minimize';
import I_minus from '@atlaskit/icon/core/minus';
import I_minusSquare from '@atlaskit/icon/core/minus-square';
import I_node from '@atlaskit/icon/core/node';
import I_note from '@atlaskit/icon/core/note';
import I_notificationMuted from '@atlaskit/icon/core/notification-muted';
import I_objective from '@atlaskit/icon/core/objective';
import I_onCall from '@atlaskit/icon/core/on-call';
import I_operations from '@atlaskit/icon/core/operations';
import I_pages from '@atlaskit/icon/core/pages';
import I_paintBucket from '@atlaskit/icon/core/paint-bucket';
import I_paintPalette from '@atlaskit/icon/core/paint-palette';
import I_panelLeft from '@atlaskit/icon/core/panel-left';
import I_panelRight from '@atlaskit/icon/core/panel-right';
import I_pen from '@atlaskit/icon/core/pen';
import I_personAdd from '@atlaskit/icon/core/person-add';
import I_personAdded from '@atlaskit/icon/core/person-added';
import I_personAvatar from '@atlaskit/icon/core/person-avatar';
import I_personOffboard from '@atlaskit/icon/core/person-offboard';
import I_personRemove from '@atlaskit/icon/core/person-remove';
import I_personWarning from '@atlaskit/icon/core/person-warning';
import I_phone from '@atlaskit/icon/core/phone';
import I_pin from '@atlaskit/icon/core/pin';
import I_pinFilled from '@atlaskit/icon/core/pin-filled';
import I_plusSquare from '@atlaskit/icon/core/plus-square';
import I_powerPlug from '@atlaskit/icon/core/power-plug';
import I_presenterMode from '@atlaskit/icon/core/presenter-mode';
import I_printer from '@atlaskit/icon/core/printer';
import I_priorityBlocker from '@atlaskit/icon/core/priority-blocker';
import I_priorityCritical from '@atlaskit/icon/core/priority-critical';
import I_priorityHigh from '@atlaskit/icon/core/priority-high';
import I_priorityHighest from '@atlaskit/icon/core/priority-highest';
import I_priorityLow from '@atlaskit/icon/core/priority-low';
import I_priorityLowest from '@atlaskit/icon/core/priority-lowest';
import I_priorityMajor from '@atlaskit/icon/core/priority-major';
import I_priorityMedium from '@atlaskit/icon/core/priority-medium';
import I_priorityMinor from '@atlaskit/icon/core/priority-minor';
import I_priorityTrivial from '@atlaskit/icon/core/priority-trivial';
import I_problem from '@atlaskit/icon/core/problem';
import I_project from '@atlaskit/icon/core/project';
import I_projectStatus from '@atlaskit/icon/core/project-status';
import I_projectionScreen from '@atlaskit/icon/core/projection-screen';
import I_pullRequest from '@atlaskit/icon/core/pull-request';
import I_pulse from '@atlaskit/icon/core/pulse';
import I_quotationMark from '@atlaskit/icon/core/quotation-mark';
import I_radioChecked from '@atlaskit/icon/core/radio-checked';
import I_radioUnchecked from '@atlaskit/icon/core/radio-unchecked';
import I_release from '@atlaskit/icon/core/release';
import I_rovoChat from '@atlaskit/icon/core/rovo-chat';
import I_scales from '@atlaskit/icon/core/scales';
import I_scorecard from '@atlaskit/icon/core/scorecard';
import I_screenPlus from '@atlaskit/icon/core/screen-plus';
import I_shapes from '@atlaskit/icon/core/shapes';
import I_shield from '@atlaskit/icon/core/shield';
import I_shieldStrikethrough from '@atlaskit/icon/core/shield-strikethrough';
import I_showMoreHorizontal from '@atlaskit/icon/core/show-more-horizontal';
import I_showMoreVertical from '@atlaskit/icon/core/show-more-vertical';
import I_shrinkDiagonal from '@atlaskit/icon/core/shrink-diagonal';
import I_shrinkHorizontal from '@atlaskit/icon/core/shrink-horizontal';
import I_shrinkVertical from '@atlaskit/icon/core/shrink-vertical';
import I_sidebarCollapse from '@atlaskit/icon/core/sidebar-collapse';
import I_sidebarExpand from '@atlaskit/icon/core/sidebar-expand';
import I_smartLink from '@atlaskit/icon/core/smart-link';
import I_smartLinkCard from '@atlaskit/icon/core/smart-link-card';
import I_smartLinkEmbed from '@atlaskit/icon/core/smart-link-embed';
import I_smartLinkInline from '@atlaskit/icon/core/smart-link-inline';
import I_smartLinkList from '@atlaskit/icon/core/smart-link-list';
import I_snippet from '@atlaskit/icon/core/snippet';
import I_sortAscending from '@atlaskit/icon/core/sort-ascending';
import I_sortDescending from '@atlaskit/icon/core/sort-descending';
import I_spreadsheet from '@atlaskit/icon/core/spreadsheet';
import I_starStarred from '@atlaskit/icon/core/star-starred';
import I_starUnstarred from '@atlaskit/icon/core/star-unstarred';
import I_statusDiscovery from '@atlaskit/icon/core/status-discovery';
import I_statusError from '@atlaskit/icon/core/status-error';
import I_statusInformation from '@atlaskit/icon/core/status-information';
import I_statusSuccess from '@atlaskit/icon/core/status-success';
import I_statusVerified from '@atlaskit/icon/core/status-verified';
import I_statusWarning from '@atlaskit/icon/core/status-warning';
import I_story from '@atlaskit/icon/core/story';
import I_strokeWeightExtraLarge from '@atlaskit/icon/core/stroke-weight-extra-large';
import I_strokeWeightLarge from '@atlaskit/icon/core/stroke-weight-large';
import I_strokeWeightMedium from '@atlaskit/icon/core/stroke-weight-medium';
import I_strokeWeightSmall from '@atlaskit/icon/core/stroke-weight-small';
import I_subtasks from '@atlaskit/icon/core/subtasks';
import I_success from '@atlaskit/icon/core/success';
import I_support from '@atlaskit/icon/core/support';
import I_tableCellClear from '@atlaskit/icon/core/table-cell-clear';
import I_tableCellMerge from '@atlaskit/icon/core/table-cell-merge';
import I_tableCellSplit from '@atlaskit/icon/core/table-cell-split';
import I_tableColumnAddLeft from '@atlaskit/icon/core/table-column-add-left';
import I_tableColumnAddRight from '@atlaskit/icon/core/table-column-add-right';
import I_tableColumnDelete from '@atlaskit/icon/core/table-column-delete';
import I_tableColumnMoveLeft from '@atlaskit/icon/core/table-column-move-left';
import I_tableColumnMoveRight from '@atlaskit/icon/core/table-column-move-right';
import I_tableColumnsDistribute from '@atlaskit/icon/core/table-columns-distribute';
import I_tableRowAddAbove from '@atlaskit/icon/core/table-row-add-above';
import I_tableRowAddBelow from '@atlaskit/icon/core/table-row-add-below';
import I_tableRowDelete from '@atlaskit/icon/core/table-row-delete';
import I_tableRowMoveDown from '@atlaskit/icon/core/table-row-move-down';
import I_tableRowMoveUp from '@atlaskit/icon/core/table-row-move-up';
import I_tag from '@atlaskit/icon/core/tag';
import I_takeoutFood from '@atlaskit/icon/core/takeout-food';
import I_target from '@atlaskit/icon/core/target';
import I_taskInProgress from '@atlaskit/icon/core/task-in-progress';
import I_taskToDo from '@atlaskit/icon/core/task-to-do';
import I_tasks from '@atlaskit/icon/core/tasks';
import I_text from '@atlaskit/icon/core/text';
import I_textBold from '@atlaskit/icon/core/text-bold';
import I_textHeading from '@atlaskit/icon/core/text-heading';
import I_textIndentLeft from '@atlaskit/icon/core/text-indent-left';
import I_textIndentRight from '@atlaskit/icon/core/text-indent-right';
import I_textItalic from '@atlaskit/icon/core/text-italic';
import I_textShorten from '@atlaskit/icon/core/text-shorten';
import I_textSpellcheck from '@atlaskit/icon/core/text-spellcheck';
import I_textStrikethrough from '@atlaskit/icon/core/text-strikethrough';
import I_textStyle from '@atlaskit/icon/core/text-style';
import I_textUnderline from '@atlaskit/icon/core/text-underline';
import I_textWrap from '@atlaskit/icon/core/text-wrap';
import I_theme from '@atlaskit/icon/core/theme';
import I_thumbsDown from '@atlaskit/icon/core/thumbs-down';
import I_thumbsUp from '@atlaskit/icon/core/thumbs-up';
import I_timeline from '@atlaskit/icon/core/timeline';
import I_tools from '@atlaskit/icon/core/tools';
import I_transition from '@atlaskit/icon/core/transition';
import I_translate from '@atlaskit/icon/core/translate';
import I_tree from '@atlaskit/icon/core/tree';
import I_vehicleCar from '@atlaskit/icon/core/vehicle-car';
import I_video from '@atlaskit/icon/core/video';
import I_videoNext from '@atlaskit/icon/core/video-next';
import I_videoNextOverlay from '@atlaskit/icon/core/video-next-overlay';
import I_videoPause from '@atlaskit/icon/core/video-pause';
import I_videoPauseOverlay from '@atlaskit/icon/core/video-pause-overlay';
import I_videoPlay from '@atlaskit/icon/core/video-play';
import I_videoPlayOverlay from '@atlaskit/icon/core/video-play-overlay';
import I_videoPrevious from '@atlaskit/icon/core/video-previous';
import I_videoPreviousOverlay from '@atlaskit/icon/core/video-previous-overlay';
import I_videoSkipBackwardFifteen from '@atlaskit/icon/core/video-skip-backward-fifteen';
import I_videoSkipBackwardTen from '@atlaskit/icon/core/video-skip-backward-ten';
import I_videoSkipForwardFifteen from '@atlaskit/icon/core/video-skip-forward-fifteen';
import I_videoSkipForwardTen from '@atlaskit/icon/core/video-skip-forward-ten';
import I_videoStop from '@atlaskit/icon/core/video-stop';
import I_videoStopOverlay from '@atlaskit/icon/core/video-stop-overlay';
import I_volumeHigh from '@atlaskit/icon/core/volume-high';
import I_volumeLow from '@atlaskit/icon/core/volume-low';
import I_volumeMuted from '@atlaskit/icon/core/volume-muted';
import I_whiteboard from '@atlaskit/icon/core/whiteboard';
import I_workItem from '@atlaskit/icon/core/work-item';
import I_workItems from '@atlaskit/icon/core/work-items';
import I_zoomIn from '@atlaskit/icon/core/zoom-in';
import I_zoomOut from '@atlaskit/icon/core/zoom-out';
import L_checkCircle from '@atlaskit/icon/core/check-circle';
import L_error from '@atlaskit/icon/core/error';
import L_mention from '@atlaskit/icon/core/mention';
import L_shortcut from '@atlaskit/icon/core/shortcut';
import L_upload from '@atlaskit/icon/core/upload';
import L_warning from '@atlaskit/icon/core/warning';
import O_blog from '@atlaskit/object/blog';
import O_branch from '@atlaskit/object/branch';
import O_bug from '@atlaskit/object/bug';
import O_calendar from '@atlaskit/object/calendar';
import O_changes from '@atlaskit/object/changes';
import O_code from '@atlaskit/object/code';
import O_commit from '@atlaskit/object/commit';
import O_database from '@atlaskit/object/database';
import O_epic from '@atlaskit/object/epic';
import O_idea from '@atlaskit/object/idea';
import O_improvement from '@atlaskit/object/improvement';
import O_incident from '@atlaskit/object/incident';
import O_newFeature from '@atlaskit/object/new-feature';
import O_page from '@atlaskit/object/page';
import O_pageLiveDoc from '@atlaskit/object/page-live-doc';
import O_problem from '@atlaskit/object/problem';
import O_pullRequest from '@atlaskit/object/pull-request';
import O_question from '@atlaskit/object/question';
import O_story from '@atlaskit/object/story';
import O_subtask from '@atlaskit/object/subtask';
import O_task from '@atlaskit/object/task';
import O_whiteboard from '@atlaskit/object/whiteboard';
import O_workItem from '@atlaskit/object/work-item';
import T_blog from '@atlaskit/object/tile/blog';
import T_branch from '@atlaskit/object/tile/branch';
import T_bug from '@atlaskit/object/tile/bug';
import T_calendar from '@atlaskit/object/tile/calendar';
import T_changes from '@atlaskit/object/tile/changes';
import T_code from '@atlaskit/object/tile/code';
import T_commit from '@atlaskit/object/tile/commit';
import T_database from '@atlaskit/object/tile/database';
import T_epic from '@atlaskit/object/tile/epic';
import T_idea from '@atlaskit/object/tile/idea';
import T_improvement from '@atlaskit/object/tile/improvement';
import T_incident from '@atlaskit/object/tile/incident';
import T_newFeature from '@atlaskit/object/tile/new-feature';
import T_page from '@atlaskit/object/tile/page';
import T_pageLiveDoc from '@atlaskit/object/tile/page-live-doc';
import T_problem from '@atlaskit/object/tile/problem';
import T_pullRequest from '@atlaskit/object/tile/pull-request';
import T_question from '@atlaskit/object/tile/question';
import T_story from '@atlaskit/object/tile/story';
import T_subtask from '@atlaskit/object/tile/subtask';
import T_task from '@atlaskit/object/tile/task';
import T_whiteboard from '@atlaskit/object/tile/whiteboard';
import T_workItem from '@atlaskit/object/tile/work-item';

export const cjsDefault = (m) => (m && typeof m === 'object' && m.default ? m.default : m);

export const ICONS = {
  'add': cjsDefault(I_add),
  'app-switcher': cjsDefault(I_appSwitcher),
  'arrow-down': cjsDefault(I_arrowDown),
  'arrow-left': cjsDefault(I_arrowLeft),
  'arrow-right': cjsDefault(I_arrowRight),
  'arrow-up': cjsDefault(I_arrowUp),
  'attachment': cjsDefault(I_attachment),
  'audio': cjsDefault(I_audio),
  'backlog': cjsDefault(I_backlog),
  'board': cjsDefault(I_board),
  'calendar': cjsDefault(I_calendar),
  'camera': cjsDefault(I_camera),
  'checkbox-indeterminate': cjsDefault(I_checkboxIndeterminate),
  'chevron-down': cjsDefault(I_chevronDown),
  'chevron-left': cjsDefault(I_chevronLeft),
  'chevron-right': cjsDefault(I_chevronRight),
  'chevron-up': cjsDefault(I_chevronUp),
  'comment': cjsDefault(I_comment),
  'component': cjsDefault(I_component),
  'copy': cjsDefault(I_copy),
  'cross-circle': cjsDefault(I_crossCircle),
  'cross': cjsDefault(I_cross),
  'dashboard': cjsDefault(I_dashboard),
  'decision': cjsDefault(I_decision),
  'department': cjsDefault(I_department),
  'download': cjsDefault(I_download),
  'edit': cjsDefault(I_edit),
  'email': cjsDefault(I_email),
  'emoji-add': cjsDefault(I_emojiAdd),
  'emoji': cjsDefault(I_emoji),
  'feedback': cjsDefault(I_feedback),
  'file': cjsDefault(I_file),
  'filter': cjsDefault(I_filter),
  'flag-filled': cjsDefault(I_flagFilled),
  'home': cjsDefault(I_home),
  'image': cjsDefault(I_image),
  'lightbulb': cjsDefault(I_lightbulb),
  'link': cjsDefault(I_link),
  'location': cjsDefault(I_location),
  'marketplace': cjsDefault(I_marketplace),
  'menu': cjsDefault(I_menu),
  'notification': cjsDefault(I_notification),
  'office-building': cjsDefault(I_officeBuilding),
  'page': cjsDefault(I_page),
  'people-group': cjsDefault(I_peopleGroup),
  'person': cjsDefault(I_person),
  'premium': cjsDefault(I_premium),
  'question-circle': cjsDefault(I_questionCircle),
  'redo': cjsDefault(I_redo),
  'refresh': cjsDefault(I_refresh),
  'retry': cjsDefault(I_retry),
  'roadmap': cjsDefault(I_roadmap),
  'screen': cjsDefault(I_screen),
  'search': cjsDefault(I_search),
  'send': cjsDefault(I_send),
  'settings': cjsDefault(I_settings),
  'share': cjsDefault(I_share),
  'sprint': cjsDefault(I_sprint),
  'stopwatch': cjsDefault(I_stopwatch),
  'task': cjsDefault(I_task),
  'teams': cjsDefault(I_teams),
  'undo': cjsDefault(I_undo),
  'accessibility': cjsDefault(I_accessibility),
  'ai-agent': cjsDefault(I_aiAgent),
  'ai-chat': cjsDefault(I_aiChat),
  'ai-generative-text-summary': cjsDefault(I_aiGenerativeTextSummary),
  'alert': cjsDefault(I_alert),
  'align-image-center': cjsDefault(I_alignImageCenter),
  'align-image-left': cjsDefault(I_alignImageLeft),
  'align-image-right': cjsDefault(I_alignImageRight),
  'align-text-center': cjsDefault(I_alignTextCenter),
  'align-text-left': cjsDefault(I_alignTextLeft),
  'align-text-right': cjsDefault(I_alignTextRight),
  'angle-brackets': cjsDefault(I_angleBrackets),
  'api': cjsDefault(I_api),
  'app': cjsDefault(I_app),
  'app-switcher-legacy': cjsDefault(I_appSwitcherLegacy),
  'apps': cjsDefault(I_apps),
  'archive-box': cjsDefault(I_archiveBox),
  'arrow-down-left': cjsDefault(I_arrowDownLeft),
  'arrow-down-right': cjsDefault(I_arrowDownRight),
  'arrow-up-left': cjsDefault(I_arrowUpLeft),
  'arrow-up-right': cjsDefault(I_arrowUpRight),
  'assets': cjsDefault(I_assets),
  'atlassian-intelligence': cjsDefault(I_atlassianIntelligence),
  'automation': cjsDefault(I_automation),
  'basketball': cjsDefault(I_basketball),
  'boards': cjsDefault(I_boards),
  'book-with-bookmark': cjsDefault(I_bookWithBookmark),
  'border': cjsDefault(I_border),
  'branch': cjsDefault(I_branch),
  'briefcase': cjsDefault(I_briefcase),
  'bug': cjsDefault(I_bug),
  'calendar-plus': cjsDefault(I_calendarPlus),
  'capture': cjsDefault(I_capture),
  'card': cjsDefault(I_card),
  'cash': cjsDefault(I_cash),
  'changes': cjsDefault(I_changes),
  'chart-bar': cjsDefault(I_chartBar),
  'chart-bubble': cjsDefault(I_chartBubble),
  'chart-matrix': cjsDefault(I_chartMatrix),
  'chart-pie': cjsDefault(I_chartPie),
  'chart-trend': cjsDefault(I_chartTrend),
  'chart-trend-down': cjsDefault(I_chartTrendDown),
  'chart-trend-up': cjsDefault(I_chartTrendUp),
  'chat-widget': cjsDefault(I_chatWidget),
  'check-circle-unchecked': cjsDefault(I_checkCircleUnchecked),
  'check-mark': cjsDefault(I_checkMark),
  'checkbox-checked': cjsDefault(I_checkboxChecked),
  'checkbox-unchecked': cjsDefault(I_checkboxUnchecked),
  'chevron-double-left': cjsDefault(I_chevronDoubleLeft),
  'chevron-double-right': cjsDefault(I_chevronDoubleRight),
  'child-work-items': cjsDefault(I_childWorkItems),
  'clipboard': cjsDefault(I_clipboard),
  'clock': cjsDefault(I_clock),
  'close': cjsDefault(I_close),
  'cloud-arrow-up': cjsDefault(I_cloudArrowUp),
  'collapse-horizontal': cjsDefault(I_collapseHorizontal),
  'collapse-vertical': cjsDefault(I_collapseVertical),
  'comment-add': cjsDefault(I_commentAdd),
  'commit': cjsDefault(I_commit),
  'compass': cjsDefault(I_compass),
  'content-width-narrow': cjsDefault(I_contentWidthNarrow),
  'content-width-wide': cjsDefault(I_contentWidthWide),
  'content-wrap-left': cjsDefault(I_contentWrapLeft),
  'content-wrap-right': cjsDefault(I_contentWrapRight),
  'credit-card': cjsDefault(I_creditCard),
  'curly-brackets': cjsDefault(I_curlyBrackets),
  'customize': cjsDefault(I_customize),
  'data-flow': cjsDefault(I_dataFlow),
  'data-number': cjsDefault(I_dataNumber),
  'data-string': cjsDefault(I_dataString),
  'database': cjsDefault(I_database),
  'defect': cjsDefault(I_defect),
  'delete': cjsDefault(I_delete),
  'device-mobile': cjsDefault(I_deviceMobile),
  'devices': cjsDefault(I_devices),
  'discovery': cjsDefault(I_discovery),
  'drag-handle-horizontal': cjsDefault(I_dragHandleHorizontal),
  'drag-handle-vertical': cjsDefault(I_dragHandleVertical),
  'edit-bulk': cjsDefault(I_editBulk),
  'emoji-casual': cjsDefault(I_emojiCasual),
  'emoji-neutral': cjsDefault(I_emojiNeutral),
  'emoji-remove': cjsDefault(I_emojiRemove),
  'epic': cjsDefault(I_epic),
  'exclamation-square': cjsDefault(I_exclamationSquare),
  'expand-horizontal': cjsDefault(I_expandHorizontal),
  'expand-vertical': cjsDefault(I_expandVertical),
  'eye-open': cjsDefault(I_eyeOpen),
  'eye-open-filled': cjsDefault(I_eyeOpenFilled),
  'eye-open-strikethrough': cjsDefault(I_eyeOpenStrikethrough),
  'feed': cjsDefault(I_feed),
  'field': cjsDefault(I_field),
  'field-alert': cjsDefault(I_fieldAlert),
  'field-checkbox-group': cjsDefault(I_fieldCheckboxGroup),
  'field-dropdown': cjsDefault(I_fieldDropdown),
  'field-radio-group': cjsDefault(I_fieldRadioGroup),
  'files': cjsDefault(I_files),
  'flag': cjsDefault(I_flag),
  'flask': cjsDefault(I_flask),
  'focus-area': cjsDefault(I_focusArea),
  'folder-closed': cjsDefault(I_folderClosed),
  'folder-open': cjsDefault(I_folderOpen),
  'form': cjsDefault(I_form),
  'fullscreen-enter': cjsDefault(I_fullscreenEnter),
  'fullscreen-exit': cjsDefault(I_fullscreenExit),
  'glasses': cjsDefault(I_glasses),
  'globe': cjsDefault(I_globe),
  'goal': cjsDefault(I_goal),
  'grid': cjsDefault(I_grid),
  'grow-diagonal': cjsDefault(I_growDiagonal),
  'grow-horizontal': cjsDefault(I_growHorizontal),
  'grow-vertical': cjsDefault(I_growVertical),
  'hashtag': cjsDefault(I_hashtag),
  'headphones': cjsDefault(I_headphones),
  'heart': cjsDefault(I_heart),
  'highlight': cjsDefault(I_highlight),
  'image-fullscreen': cjsDefault(I_imageFullscreen),
  'image-inline': cjsDefault(I_imageInline),
  'image-scaled': cjsDefault(I_imageScaled),
  'inbox': cjsDefault(I_inbox),
  'incident': cjsDefault(I_incident),
  'information': cjsDefault(I_information),
  'information-circle': cjsDefault(I_informationCircle),
  'key-result': cjsDefault(I_keyResult),
  'layout-one-column': cjsDefault(I_layoutOneColumn),
  'layout-three-columns': cjsDefault(I_layoutThreeColumns),
  'layout-three-columns-sidebars': cjsDefault(I_layoutThreeColumnsSidebars),
  'layout-two-columns': cjsDefault(I_layoutTwoColumns),
  'layout-two-columns-sidebar-left': cjsDefault(I_layoutTwoColumnsSidebarLeft),
  'layout-two-columns-sidebar-right': cjsDefault(I_layoutTwoColumnsSidebarRight),
  'library': cjsDefault(I_library),
  'link-broken': cjsDefault(I_linkBroken),
  'link-external': cjsDefault(I_linkExternal),
  'list-bulleted': cjsDefault(I_listBulleted),
  'list-checklist': cjsDefault(I_listChecklist),
  'list-numbered': cjsDefault(I_listNumbered),
  'lobby-bell': cjsDefault(I_lobbyBell),
  'lock-locked': cjsDefault(I_lockLocked),
  'lock-unlocked': cjsDefault(I_lockUnlocked),
  'log-in': cjsDefault(I_logIn),
  'log-out': cjsDefault(I_logOut),
  'magic-wand': cjsDefault(I_magicWand),
  'markdown': cjsDefault(I_markdown),
  'maximize': cjsDefault(I_maximize),
  'megaphone': cjsDefault(I_megaphone),
  'merge-failure': cjsDefault(I_mergeFailure),
  'merge-success': cjsDefault(I_mergeSuccess),
  'microphone': cjsDefault(I_microphone),
  'minimize': cjsDefault(I_minimize),
  'minus': cjsDefault(I_minus),
  'minus-square': cjsDefault(I_minusSquare),
  'node': cjsDefault(I_node),
  'note': cjsDefault(I_note),
  'notification-muted': cjsDefault(I_notificationMuted),
  'objective': cjsDefault(I_objective),
  'on-call': cjsDefault(I_onCall),
  'operations': cjsDefault(I_operations),
  'pages': cjsDefault(I_pages),
  'paint-bucket': cjsDefault(I_paintBucket),
  'paint-palette': cjsDefault(I_paintPalette),
  'panel-left': cjsDefault(I_panelLeft),
  'panel-right': cjsDefault(I_panelRight),
  'pen': cjsDefault(I_pen),
  'person-add': cjsDefault(I_personAdd),
  'person-added': cjsDefault(I_personAdded),
  'person-avatar': cjsDefault(I_personAvatar),
  'person-offboard': cjsDefault(I_personOffboard),
  'person-remove': cjsDefault(I_personRemove),
  'person-warning': cjsDefault(I_personWarning),
  'phone': cjsDefault(I_phone),
  'pin': cjsDefault(I_pin),
  'pin-filled': cjsDefault(I_pinFilled),
  'plus-square': cjsDefault(I_plusSquare),
  'power-plug': cjsDefault(I_powerPlug),
  'presenter-mode': cjsDefault(I_presenterMode),
  'printer': cjsDefault(I_printer),
  'priority-blocker': cjsDefault(I_priorityBlocker),
  'priority-critical': cjsDefault(I_priorityCritical),
  'priority-high': cjsDefault(I_priorityHigh),
  'priority-highest': cjsDefault(I_priorityHighest),
  'priority-low': cjsDefault(I_priorityLow),
  'priority-lowest': cjsDefault(I_priorityLowest),
  'priority-major': cjsDefault(I_priorityMajor),
  'priority-medium': cjsDefault(I_priorityMedium),
  'priority-minor': cjsDefault(I_priorityMinor),
  'priority-trivial': cjsDefault(I_priorityTrivial),
  'problem': cjsDefault(I_problem),
  'project': cjsDefault(I_project),
  'project-status': cjsDefault(I_projectStatus),
  'projection-screen': cjsDefault(I_projectionScreen),
  'pull-request': cjsDefault(I_pullRequest),
  'pulse': cjsDefault(I_pulse),
  'quotation-mark': cjsDefault(I_quotationMark),
  'radio-checked': cjsDefault(I_radioChecked),
  'radio-unchecked': cjsDefault(I_radioUnchecked),
  'release': cjsDefault(I_release),
  'rovo-chat': cjsDefault(I_rovoChat),
  'scales': cjsDefault(I_scales),
  'scorecard': cjsDefault(I_scorecard),
  'screen-plus': cjsDefault(I_screenPlus),
  'shapes': cjsDefault(I_shapes),
  'shield': cjsDefault(I_shield),
  'shield-strikethrough': cjsDefault(I_shieldStrikethrough),
  'show-more-horizontal': cjsDefault(I_showMoreHorizontal),
  'show-more-vertical': cjsDefault(I_showMoreVertical),
  'shrink-diagonal': cjsDefault(I_shrinkDiagonal),
  'shrink-horizontal': cjsDefault(I_shrinkHorizontal),
  'shrink-vertical': cjsDefault(I_shrinkVertical),
  'sidebar-collapse': cjsDefault(I_sidebarCollapse),
  'sidebar-expand': cjsDefault(I_sidebarExpand),
  'smart-link': cjsDefault(I_smartLink),
  'smart-link-card': cjsDefault(I_smartLinkCard),
  'smart-link-embed': cjsDefault(I_smartLinkEmbed),
  'smart-link-inline': cjsDefault(I_smartLinkInline),
  'smart-link-list': cjsDefault(I_smartLinkList),
  'snippet': cjsDefault(I_snippet),
  'sort-ascending': cjsDefault(I_sortAscending),
  'sort-descending': cjsDefault(I_sortDescending),
  'spreadsheet': cjsDefault(I_spreadsheet),
  'star-starred': cjsDefault(I_starStarred),
  'star-unstarred': cjsDefault(I_starUnstarred),
  'status-discovery': cjsDefault(I_statusDiscovery),
  'status-error': cjsDefault(I_statusError),
  'status-information': cjsDefault(I_statusInformation),
  'status-success': cjsDefault(I_statusSuccess),
  'status-verified': cjsDefault(I_statusVerified),
  'status-warning': cjsDefault(I_statusWarning),
  'story': cjsDefault(I_story),
  'stroke-weight-extra-large': cjsDefault(I_strokeWeightExtraLarge),
  'stroke-weight-large': cjsDefault(I_strokeWeightLarge),
  'stroke-weight-medium': cjsDefault(I_strokeWeightMedium),
  'stroke-weight-small': cjsDefault(I_strokeWeightSmall),
  'subtasks': cjsDefault(I_subtasks),
  'success': cjsDefault(I_success),
  'support': cjsDefault(I_support),
  'table-cell-clear': cjsDefault(I_tableCellClear),
  'table-cell-merge': cjsDefault(I_tableCellMerge),
  'table-cell-split': cjsDefault(I_tableCellSplit),
  'table-column-add-left': cjsDefault(I_tableColumnAddLeft),
  'table-column-add-right': cjsDefault(I_tableColumnAddRight),
  'table-column-delete': cjsDefault(I_tableColumnDelete),
  'table-column-move-left': cjsDefault(I_tableColumnMoveLeft),
  'table-column-move-right': cjsDefault(I_tableColumnMoveRight),
  'table-columns-distribute': cjsDefault(I_tableColumnsDistribute),
  'table-row-add-above': cjsDefault(I_tableRowAddAbove),
  'table-row-add-below': cjsDefault(I_tableRowAddBelow),
  'table-row-delete': cjsDefault(I_tableRowDelete),
  'table-row-move-down': cjsDefault(I_tableRowMoveDown),
  'table-row-move-up': cjsDefault(I_tableRowMoveUp),
  'tag': cjsDefault(I_tag),
  'takeout-food': cjsDefault(I_takeoutFood),
  'target': cjsDefault(I_target),
  'task-in-progress': cjsDefault(I_taskInProgress),
  'task-to-do': cjsDefault(I_taskToDo),
  'tasks': cjsDefault(I_tasks),
  'text': cjsDefault(I_text),
  'text-bold': cjsDefault(I_textBold),
  'text-heading': cjsDefault(I_textHeading),
  'text-indent-left': cjsDefault(I_textIndentLeft),
  'text-indent-right': cjsDefault(I_textIndentRight),
  'text-italic': cjsDefault(I_textItalic),
  'text-shorten': cjsDefault(I_textShorten),
  'text-spellcheck': cjsDefault(I_textSpellcheck),
  'text-strikethrough': cjsDefault(I_textStrikethrough),
  'text-style': cjsDefault(I_textStyle),
  'text-underline': cjsDefault(I_textUnderline),
  'text-wrap': cjsDefault(I_textWrap),
  'theme': cjsDefault(I_theme),
  'thumbs-down': cjsDefault(I_thumbsDown),
  'thumbs-up': cjsDefault(I_thumbsUp),
  'timeline': cjsDefault(I_timeline),
  'tools': cjsDefault(I_tools),
  'transition': cjsDefault(I_transition),
  'translate': cjsDefault(I_translate),
  'tree': cjsDefault(I_tree),
  'vehicle-car': cjsDefault(I_vehicleCar),
  'video': cjsDefault(I_video),
  'video-next': cjsDefault(I_videoNext),
  'video-next-overlay': cjsDefault(I_videoNextOverlay),
  'video-pause': cjsDefault(I_videoPause),
  'video-pause-overlay': cjsDefault(I_videoPauseOverlay),
  'video-play': cjsDefault(I_videoPlay),
  'video-play-overlay': cjsDefault(I_videoPlayOverlay),
  'video-previous': cjsDefault(I_videoPrevious),
  'video-previous-overlay': cjsDefault(I_videoPreviousOverlay),
  'video-skip-backward-fifteen': cjsDefault(I_videoSkipBackwardFifteen),
  'video-skip-backward-ten': cjsDefault(I_videoSkipBackwardTen),
  'video-skip-forward-fifteen': cjsDefault(I_videoSkipForwardFifteen),
  'video-skip-forward-ten': cjsDefault(I_videoSkipForwardTen),
  'video-stop': cjsDefault(I_videoStop),
  'video-stop-overlay': cjsDefault(I_videoStopOverlay),
  'volume-high': cjsDefault(I_volumeHigh),
  'volume-low': cjsDefault(I_volumeLow),
  'volume-muted': cjsDefault(I_volumeMuted),
  'whiteboard': cjsDefault(I_whiteboard),
  'work-item': cjsDefault(I_workItem),
  'work-items': cjsDefault(I_workItems),
  'zoom-in': cjsDefault(I_zoomIn),
  'zoom-out': cjsDefault(I_zoomOut),
};

// replaced Icon names (@forge/react 10) and the core icon @atlaskit/icon's migration map draws for each
export const LEGACY_ICONS = {
  'activity': ['dashboard', cjsDefault(I_dashboard)],
  'add-circle': ['add', cjsDefault(I_add)],
  'add-item': ['shortcut', cjsDefault(L_shortcut)],
  'addon': ['app', cjsDefault(I_app)],
  'app-access': ['person-added', cjsDefault(I_personAdded)],
  'archive': ['archive-box', cjsDefault(I_archiveBox)],
  'arrow-down-circle': ['arrow-down', cjsDefault(I_arrowDown)],
  'arrow-left-circle': ['arrow-left', cjsDefault(I_arrowLeft)],
  'arrow-right-circle': ['arrow-right', cjsDefault(I_arrowRight)],
  'arrow-up-circle': ['arrow-up', cjsDefault(I_arrowUp)],
  'audio-circle': ['audio', cjsDefault(I_audio)],
  'hipchat-audio-only': ['eye-open-filled', cjsDefault(I_eyeOpenFilled)],
  'bitbucket-branches': ['branch', cjsDefault(I_branch)],
  'bitbucket-commits': ['commit', cjsDefault(I_commit)],
  'bitbucket-pullrequests': ['pull-request', cjsDefault(I_pullRequest)],
  'bitbucket-repos': ['angle-brackets', cjsDefault(I_angleBrackets)],
  'bitbucket-snippets': ['snippet', cjsDefault(I_snippet)],
  'bitbucket-source': ['angle-brackets', cjsDefault(I_angleBrackets)],
  'book': ['book-with-bookmark', cjsDefault(I_bookWithBookmark)],
  'bullet-list': ['list-bulleted', cjsDefault(I_listBulleted)],
  'calendar-filled': ['calendar', cjsDefault(I_calendar)],
  'camera-filled': ['camera', cjsDefault(I_camera)],
  'checkbox': ['checkbox-checked', cjsDefault(I_checkboxChecked)],
  'check-circle': ['success', cjsDefault(I_success)],
  'check-circle-outline': ['check-circle', cjsDefault(L_checkCircle)],
  'check': ['check-mark', cjsDefault(I_checkMark)],
  'chevron-down-circle': ['chevron-down', cjsDefault(I_chevronDown)],
  'hipchat-chevron-down': ['chevron-down', cjsDefault(I_chevronDown)],
  'chevron-left-circle': ['chevron-left', cjsDefault(I_chevronLeft)],
  'chevron-left-large': ['chevron-left', cjsDefault(I_chevronLeft)],
  'chevron-right-circle': ['chevron-right', cjsDefault(I_chevronRight)],
  'chevron-right-large': ['chevron-right', cjsDefault(I_chevronRight)],
  'chevron-up-circle': ['chevron-up', cjsDefault(I_chevronUp)],
  'hipchat-chevron-up': ['chevron-up', cjsDefault(I_chevronUp)],
  'code': ['angle-brackets', cjsDefault(I_angleBrackets)],
  'creditcard-filled': ['credit-card', cjsDefault(I_creditCard)],
  'creditcard': ['credit-card', cjsDefault(I_creditCard)],
  'hipchat-dial-out': ['on-call', cjsDefault(I_onCall)],
  'discover-filled': ['compass', cjsDefault(I_compass)],
  'discover': ['compass', cjsDefault(I_compass)],
  'document-filled': ['file', cjsDefault(I_file)],
  'document': ['file', cjsDefault(I_file)],
  'documents': ['files', cjsDefault(I_files)],
  'edit-filled': ['edit', cjsDefault(I_edit)],
  'editor-add': ['add', cjsDefault(I_add)],
  'editor-attachment': ['attachment', cjsDefault(I_attachment)],
  'editor-background-color': ['paint-bucket', cjsDefault(I_paintBucket)],
  'editor-bold': ['text-bold', cjsDefault(I_textBold)],
  'editor-bullet-list': ['list-bulleted', cjsDefault(I_listBulleted)],
  'editor-close': ['close', cjsDefault(I_close)],
  'editor-code': ['angle-brackets', cjsDefault(I_angleBrackets)],
  'editor-collapse': ['shrink-horizontal', cjsDefault(I_shrinkHorizontal)],
  'editor-date': ['calendar', cjsDefault(I_calendar)],
  'editor-decision': ['decision', cjsDefault(I_decision)],
  'editor-divider': ['minus', cjsDefault(I_minus)],
  'editor-done': ['check-mark', cjsDefault(I_checkMark)],
  'editor-edit': ['edit', cjsDefault(I_edit)],
  'editor-emoji': ['emoji', cjsDefault(I_emoji)],
  'editor-error': ['cross-circle', cjsDefault(I_crossCircle)],
  'editor-expand': ['grow-horizontal', cjsDefault(I_growHorizontal)],
  'editor-feedback': ['feedback', cjsDefault(I_feedback)],
  'editor-file': ['file', cjsDefault(I_file)],
  'editor-help': ['question-circle', cjsDefault(I_questionCircle)],
  'editor-hint': ['lightbulb', cjsDefault(I_lightbulb)],
  'editor-horizontal-rule': ['minus', cjsDefault(I_minus)],
  'editor-image': ['image', cjsDefault(I_image)],
  'editor-image-resize': ['maximize', cjsDefault(I_maximize)],
  'editor-indent': ['text-indent-right', cjsDefault(I_textIndentRight)],
  'editor-info': ['information', cjsDefault(I_information)],
  'editor-italic': ['text-italic', cjsDefault(I_textItalic)],
  'editor-layout-single': ['layout-one-column', cjsDefault(I_layoutOneColumn)],
  'editor-layout-three-equal': ['layout-three-columns', cjsDefault(I_layoutThreeColumns)],
  'editor-layout-three-with-sidebars': ['layout-three-columns-sidebars', cjsDefault(I_layoutThreeColumnsSidebars)],
  'editor-layout-two-equal': ['layout-two-columns', cjsDefault(I_layoutTwoColumns)],
  'editor-layout-two-left-sidebar': ['layout-two-columns-sidebar-left', cjsDefault(I_layoutTwoColumnsSidebarLeft)],
  'editor-layout-two-right-sidebar': ['layout-two-columns-sidebar-right', cjsDefault(I_layoutTwoColumnsSidebarRight)],
  'editor-link': ['link', cjsDefault(I_link)],
  'editor-media-center': ['content-width-narrow', cjsDefault(I_contentWidthNarrow)],
  'editor-media-full-width': ['expand-horizontal', cjsDefault(I_expandHorizontal)],
  'editor-media-wide': ['content-width-wide', cjsDefault(I_contentWidthWide)],
  'editor-media-wrap-left': ['content-wrap-left', cjsDefault(I_contentWrapLeft)],
  'editor-media-wrap-right': ['content-wrap-right', cjsDefault(I_contentWrapRight)],
  'editor-mention': ['mention', cjsDefault(L_mention)],
  'editor-more': ['show-more-horizontal', cjsDefault(I_showMoreHorizontal)],
  'editor-note': ['discovery', cjsDefault(I_discovery)],
  'editor-number-list': ['list-numbered', cjsDefault(I_listNumbered)],
  'editor-open': ['arrow-up-right', cjsDefault(I_arrowUpRight)],
  'editor-outdent': ['text-indent-left', cjsDefault(I_textIndentLeft)],
  'editor-panel': ['information', cjsDefault(I_information)],
  'editor-photo': ['camera', cjsDefault(I_camera)],
  'editor-quote': ['quotation-mark', cjsDefault(I_quotationMark)],
  'editor-recent': ['clock', cjsDefault(I_clock)],
  'editor-redo': ['redo', cjsDefault(I_redo)],
  'editor-remove': ['delete', cjsDefault(I_delete)],
  'editor-search': ['search', cjsDefault(I_search)],
  'editor-settings': ['settings', cjsDefault(I_settings)],
  'editor-success': ['success', cjsDefault(I_success)],
  'editor-table': ['grid', cjsDefault(I_grid)],
  'editor-task': ['checkbox-checked', cjsDefault(I_checkboxChecked)],
  'editor-text-style': ['text-style', cjsDefault(I_textStyle)],
  'editor-undo': ['undo', cjsDefault(I_undo)],
  'editor-unlink': ['link-broken', cjsDefault(I_linkBroken)],
  'editor-warning': ['warning', cjsDefault(L_warning)],
  'emoji-activity': ['basketball', cjsDefault(I_basketball)],
  'emoji-custom': ['add', cjsDefault(I_add)],
  'emoji-emoji': ['emoji', cjsDefault(I_emoji)],
  'emoji-flags': ['flag', cjsDefault(I_flag)],
  'emoji-food': ['takeout-food', cjsDefault(I_takeoutFood)],
  'emoji-frequent': ['clock', cjsDefault(I_clock)],
  'emoji-keyboard': ['text-style', cjsDefault(I_textStyle)],
  'emoji-nature': ['tree', cjsDefault(I_tree)],
  'emoji-objects': ['lightbulb', cjsDefault(I_lightbulb)],
  'emoji-people': ['emoji', cjsDefault(I_emoji)],
  'emoji-productivity': ['check-circle', cjsDefault(L_checkCircle)],
  'emoji-symbols': ['heart', cjsDefault(I_heart)],
  'emoji-travel': ['vehicle-car', cjsDefault(I_vehicleCar)],
  'error': ['error', cjsDefault(L_error)],
  'export': ['upload', cjsDefault(L_upload)],
  'folder': ['folder-closed', cjsDefault(I_folderClosed)],
  'followers': ['person-offboard', cjsDefault(I_personOffboard)],
  'graph-bar': ['chart-bar', cjsDefault(I_chartBar)],
  'graph-line': ['chart-trend', cjsDefault(I_chartTrend)],
  'home-circle': ['home', cjsDefault(I_home)],
  'image-resize': ['maximize', cjsDefault(I_maximize)],
  'info': ['information', cjsDefault(I_information)],
  'invite-team': ['person-add', cjsDefault(I_personAdd)],
  'jira-capture': ['capture', cjsDefault(I_capture)],
  'jira-labs': ['flask', cjsDefault(I_flask)],
  'jira-test-session': ['bug', cjsDefault(I_bug)],
  'label': ['tag', cjsDefault(I_tag)],
  'lightbulb-filled': ['lightbulb', cjsDefault(I_lightbulb)],
  'like': ['thumbs-up', cjsDefault(I_thumbsUp)],
  'link-filled': ['link', cjsDefault(I_link)],
  'hipchat-lobby': ['lobby-bell', cjsDefault(I_lobbyBell)],
  'lock-circle': ['lock-locked', cjsDefault(I_lockLocked)],
  'lock-filled': ['lock-locked', cjsDefault(I_lockLocked)],
  'lock': ['lock-locked', cjsDefault(I_lockLocked)],
  'media-services-actual-size': ['grow-diagonal', cjsDefault(I_growDiagonal)],
  'media-services-add-comment': ['comment-add', cjsDefault(I_commentAdd)],
  'media-services-audio': ['audio', cjsDefault(I_audio)],
  'media-services-code': ['angle-brackets', cjsDefault(I_angleBrackets)],
  'media-services-document': ['page', cjsDefault(I_page)],
  'media-services-filter': ['filter', cjsDefault(I_filter)],
  'media-services-fit-to-page': ['shrink-diagonal', cjsDefault(I_shrinkDiagonal)],
  'media-services-full-screen': ['fullscreen-exit', cjsDefault(I_fullscreenExit)],
  'media-services-grid': ['grid', cjsDefault(I_grid)],
  'media-services-image': ['image', cjsDefault(I_image)],
  'media-services-preselected': ['radio-unchecked', cjsDefault(I_radioUnchecked)],
  'media-services-presentation': ['chart-bar', cjsDefault(I_chartBar)],
  'media-services-scale-large': ['image', cjsDefault(I_image)],
  'media-services-scale-small': ['image', cjsDefault(I_image)],
  'media-services-spreadsheet': ['spreadsheet', cjsDefault(I_spreadsheet)],
  'media-services-video': ['video', cjsDefault(I_video)],
  'media-services-zoom-in': ['zoom-in', cjsDefault(I_zoomIn)],
  'media-services-zoom-out': ['zoom-out', cjsDefault(I_zoomOut)],
  'menu-expand': ['menu', cjsDefault(I_menu)],
  'mobile': ['device-mobile', cjsDefault(I_deviceMobile)],
  'more': ['show-more-horizontal', cjsDefault(I_showMoreHorizontal)],
  'more-vertical': ['show-more-vertical', cjsDefault(I_showMoreVertical)],
  'notification-direct': ['notification', cjsDefault(I_notification)],
  'office-building-filled': ['office-building', cjsDefault(I_officeBuilding)],
  'open': ['arrow-up-right', cjsDefault(I_arrowUpRight)],
  'hipchat-outgoing-sound': ['volume-high', cjsDefault(I_volumeHigh)],
  'page-filled': ['page', cjsDefault(I_page)],
  'people': ['people-group', cjsDefault(I_peopleGroup)],
  'person-circle': ['person-avatar', cjsDefault(I_personAvatar)],
  'person-with-tick': ['person-added', cjsDefault(I_personAdded)],
  'preferences': ['customize', cjsDefault(I_customize)],
  'question': ['question-circle', cjsDefault(I_questionCircle)],
  'questions': ['comment', cjsDefault(I_comment)],
  'queues': ['pages', cjsDefault(I_pages)],
  'quote': ['quotation-mark', cjsDefault(I_quotationMark)],
  'radio': ['radio-checked', cjsDefault(I_radioChecked)],
  'recent': ['clock', cjsDefault(I_clock)],
  'schedule-filled': ['calendar-plus', cjsDefault(I_calendarPlus)],
  'schedule': ['calendar-plus', cjsDefault(I_calendarPlus)],
  'hipchat-sd-video': ['video', cjsDefault(I_video)],
  'select-clear': ['cross-circle', cjsDefault(I_crossCircle)],
  'ship': ['release', cjsDefault(I_release)],
  'shortcut': ['link-external', cjsDefault(I_linkExternal)],
  'sign-in': ['log-in', cjsDefault(I_logIn)],
  'sign-out': ['log-out', cjsDefault(I_logOut)],
  'star-filled': ['star-starred', cjsDefault(I_starStarred)],
  'star': ['star-unstarred', cjsDefault(I_starUnstarred)],
  'star-large': ['star-unstarred', cjsDefault(I_starUnstarred)],
  'subtask': ['subtasks', cjsDefault(I_subtasks)],
  'suitcase': ['briefcase', cjsDefault(I_briefcase)],
  'switcher': ['boards', cjsDefault(I_boards)],
  'table': ['grid', cjsDefault(I_grid)],
  'trash': ['delete', cjsDefault(I_delete)],
  'tray': ['inbox', cjsDefault(I_inbox)],
  'unlink': ['link-broken', cjsDefault(I_linkBroken)],
  'unlock-circle': ['lock-locked', cjsDefault(I_lockLocked)],
  'unlock-filled': ['lock-unlocked', cjsDefault(I_lockUnlocked)],
  'unlock': ['lock-unlocked', cjsDefault(I_lockUnlocked)],
  'upload': ['cloud-arrow-up', cjsDefault(I_cloudArrowUp)],
  'user-avatar-circle': ['person-avatar', cjsDefault(I_personAvatar)],
  'vid-audio-on': ['microphone', cjsDefault(I_microphone)],
  'vid-camera-on': ['video', cjsDefault(I_video)],
  'video-circle': ['video', cjsDefault(I_video)],
  'video-filled': ['video', cjsDefault(I_video)],
  'vid-full-screen-off': ['shrink-diagonal', cjsDefault(I_shrinkDiagonal)],
  'vid-full-screen-on': ['fullscreen-enter', cjsDefault(I_fullscreenEnter)],
  'vid-pause': ['video-pause', cjsDefault(I_videoPause)],
  'vid-play': ['video-play', cjsDefault(I_videoPlay)],
  'vid-volume-full': ['volume-high', cjsDefault(I_volumeHigh)],
  'vid-volume-half': ['volume-low', cjsDefault(I_volumeLow)],
  'vid-volume-muted': ['volume-muted', cjsDefault(I_volumeMuted)],
  'warning': ['warning', cjsDefault(L_warning)],
  'watch-filled': ['eye-open-filled', cjsDefault(I_eyeOpenFilled)],
  'watch': ['eye-open', cjsDefault(I_eyeOpen)],
  'world': ['globe', cjsDefault(I_globe)],
  'world-small': ['globe', cjsDefault(I_globe)],
};

export const OBJECTS = {
  'blog': O_blog,
  'branch': O_branch,
  'bug': O_bug,
  'calendar': O_calendar,
  'changes': O_changes,
  'code': O_code,
  'commit': O_commit,
  'database': O_database,
  'epic': O_epic,
  'idea': O_idea,
  'improvement': O_improvement,
  'incident': O_incident,
  'new-feature': O_newFeature,
  'page': O_page,
  'page-live-doc': O_pageLiveDoc,
  'problem': O_problem,
  'pull-request': O_pullRequest,
  'question': O_question,
  'story': O_story,
  'subtask': O_subtask,
  'task': O_task,
  'whiteboard': O_whiteboard,
  'work-item': O_workItem,
};

export const TILES = {
  'blog': T_blog,
  'branch': T_branch,
  'bug': T_bug,
  'calendar': T_calendar,
  'changes': T_changes,
  'code': T_code,
  'commit': T_commit,
  'database': T_database,
  'epic': T_epic,
  'idea': T_idea,
  'improvement': T_improvement,
  'incident': T_incident,
  'new-feature': T_newFeature,
  'page': T_page,
  'page-live-doc': T_pageLiveDoc,
  'problem': T_problem,
  'pull-request': T_pullRequest,
  'question': T_question,
  'story': T_story,
  'subtask': T_subtask,
  'task': T_task,
  'whiteboard': T_whiteboard,
  'work-item': T_workItem,
};
